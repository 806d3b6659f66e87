// Reads the README's examples for readme-examples.test.ts: its fenced code blocks with the
// section each is in, the shell commands of a block as the shell would split them (a
// command goes on past a trailing backslash and past a newline inside quotes), and what a
// command's comment promises. The convention the README states: a comment that starts
// with a status code is the answer to expect; a JSON object right after that status is
// what the answer's body contains.

export type CodeBlock = { section: string; lang: string; text: string; line: number };

export type ShellCommand = {
  /** The command as written, continuation lines included, without its comment. */
  text: string;
  /** The comment on the command's last line, without the `#`; "" when there is none. */
  comment: string;
  /** The README line the command starts on (1-based). */
  line: number;
};

export type Promised = { status: number; body?: Record<string, unknown> };

const FENCE = /^```(\S*)\s*$/;

/** Every fenced code block, with its language and the `## ` section it is in. */
export const codeBlocks = (markdown: string): CodeBlock[] => {
  const blocks: CodeBlock[] = [];
  let section = "";
  let open: CodeBlock | null = null;
  markdown.split("\n").forEach((line, index) => {
    const fence = FENCE.exec(line);
    if (open) {
      if (fence && fence[1] === "") {
        blocks.push(open);
        open = null;
      } else {
        open.text += `${line}\n`;
      }
    } else if (fence) {
      open = { section, lang: fence[1] ?? "", text: "", line: index + 2 };
    } else if (line.startsWith("## ")) {
      section = line.slice(3).trim();
    }
  });
  if (open) throw new Error(`README: the code block opened on line ${(open as CodeBlock).line - 1} is never closed`);
  return blocks;
};

// Where `#` starts a comment: at the start of a word (bash's rule), i.e. after nothing,
// blank space or an operator.
const WORD_BREAK = new Set([" ", "\t", "\n", ";", "|", "&", "(", ")", "<", ">"]);

/** The commands of a shell block; `firstLine` is the README line of the block's first line. */
export const shellCommands = (block: string, firstLine = 1): ShellCommand[] => {
  const commands: ShellCommand[] = [];
  let text = "";
  let comment = "";
  let line = firstLine;
  let start = firstLine;
  const end = (): void => {
    if (text.trim() !== "") commands.push({ text: text.trim(), comment: comment.trim(), line: start });
    text = "";
    comment = "";
  };
  for (let i = 0; i < block.length; i++) {
    const c = block[i]!;
    if (text.trim() === "") start = line;
    if (c === "\n") {
      line++;
      end();
    } else if (c === "\\") {
      // An escaped character; a backslash before a newline joins the next line.
      const next = block[i + 1] ?? "";
      text += c + next;
      i++;
      if (next === "\n") line++;
    } else if (c === "'" || c === '"') {
      const close = closingQuote(block, i);
      if (close === -1) throw new Error(`README line ${line}: unterminated ${c} quote`);
      const quoted = block.slice(i, close + 1);
      text += quoted;
      line += quoted.split("\n").length - 1;
      i = close;
    } else if (c === "#" && (i === 0 || WORD_BREAK.has(block[i - 1]!))) {
      const newline = block.indexOf("\n", i);
      const stop = newline === -1 ? block.length : newline;
      comment = block.slice(i + 1, stop);
      i = stop - 1;
    } else {
      text += c;
    }
  }
  end();
  return commands;
};

/** The index of the quote that closes the one at `open` (a backslash escapes in "..."), or -1. */
const closingQuote = (text: string, open: number): number => {
  const quote = text[open];
  for (let i = open + 1; i < text.length; i++) {
    if (quote === '"' && text[i] === "\\") i++;
    else if (text[i] === quote) return i;
  }
  return -1;
};

/** What a command's comment promises: a status, and perhaps a JSON object its body contains. */
export const promised = (comment: string): Promised | null => {
  const match = /^([1-5][0-9][0-9])\b\s*(.*)$/s.exec(comment.trim());
  if (!match) return null;
  const status = Number(match[1]);
  const body = leadingJsonObject(match[2] ?? "");
  return body ? { status, body } : { status };
};

/** The JSON object `rest` starts with, if it starts with one (`{items:[...]}`, a sketch, is none). */
const leadingJsonObject = (rest: string): Record<string, unknown> | undefined => {
  if (!rest.startsWith("{")) return undefined;
  let depth = 0;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (c === '"') {
      i = closingQuote(rest, i);
      if (i === -1) return undefined;
    } else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) {
      try {
        return JSON.parse(rest.slice(0, i + 1)) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
};
