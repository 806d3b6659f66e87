// How readme-examples.test.ts reads the README: blocks by section, commands split as the
// shell splits them, and the promise a comment states. Pure and fast; it lives beside the
// e2e test it serves.
import { describe, expect, it } from "vitest";
import { codeBlocks, promised, shellCommands } from "./readme-commands.ts";

describe("codeBlocks", () => {
  it("gives each fenced block its language, section and first line", () => {
    const markdown = ["# Title", "```sh", "intro", "```", "## Quick start", "text", "```sh", "npm ci", "```", "## Layout", "```", "src/", "```"].join("\n");
    expect(codeBlocks(markdown)).toEqual([
      { section: "", lang: "sh", text: "intro\n", line: 3 },
      { section: "Quick start", lang: "sh", text: "npm ci\n", line: 8 },
      { section: "Layout", lang: "", text: "src/\n", line: 12 },
    ]);
  });

  it("refuses a block that is never closed", () => {
    expect(() => codeBlocks("## A\n```sh\nls\n")).toThrow(/line 2 is never closed/);
  });
});

describe("shellCommands", () => {
  it("joins backslash continuations and newlines inside quotes, and keeps the comment apart", () => {
    const block = [
      "curl -s $B/a \\",
      "     -d '{\"x\":1}'        # 201 {\"x\":1}",
      "",
      "# a whole-line comment",
      "curl -d '{\"a\":1,",
      "   \"b\":2}'",
      "X=$(curl \"$B/#not-a-comment\" | id_of)   # it's \"quoted\"",
    ].join("\n");
    expect(shellCommands(block, 10)).toEqual([
      { text: "curl -s $B/a \\\n     -d '{\"x\":1}'", comment: '201 {"x":1}', line: 10 },
      { text: "curl -d '{\"a\":1,\n   \"b\":2}'", comment: "", line: 14 },
      { text: 'X=$(curl "$B/#not-a-comment" | id_of)', comment: 'it\'s "quoted"', line: 16 },
    ]);
  });

  it("reads # inside a word as part of it", () => {
    expect(shellCommands("echo a#b # c")).toEqual([{ text: "echo a#b", comment: "c", line: 1 }]);
  });

  it("refuses an unterminated quote, naming the line", () => {
    expect(() => shellCommands("ls\necho 'open", 5)).toThrow(/line 6: unterminated ' quote/);
  });
});

describe("promised", () => {
  it.each([
    ["201 spawned (200 if it exists)", { status: 201 }],
    ["204", { status: 204 }],
    ['200 {"value":2}', { status: 200, body: { value: 2 } }],
    ['200 {"length":4} and first/last sequence', { status: 200, body: { length: 4 } }],
    ["201 {items:[{id,stream,sequence}]}", { status: 201 }],
    ['200 "delivered": it resumes', { status: 200 }],
  ])("reads %j", (comment, expected) => {
    expect(promised(comment)).toEqual(expected);
  });

  it.each(["calls now answer 409", "list", "", "2010 is not a status", "600 neither"])("finds no promise in %j", (comment) => {
    expect(promised(comment)).toBeNull();
  });
});
