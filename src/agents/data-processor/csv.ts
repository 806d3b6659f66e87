// An RFC 4180 CSV parser for the DataProcessor agent. Workers have no CSV library and
// payloads arrive from untrusted callers, so parsing is strict, never throws, and
// reports malformed input as a returned error with the 1-based line it was found on.
export type CsvOptions = { delimiter?: string; header?: boolean };
export type CsvError = { line: number; message: string };
export type CsvResult =
  | { ok: true; columns: string[]; rows: string[][] }
  | { ok: false; error: CsvError };

type SplitResult = { ok: true; records: string[][] } | { ok: false; error: CsvError };

const BOM = "\uFEFF";
const QUOTE = '"';
const LINE_BREAK = /\r\n|\r|\n/g;

const failure = (line: number, message: string): { ok: false; error: CsvError } => ({
  ok: false,
  error: { line, message },
});

const countLineBreaks = (text: string): number => text.match(LINE_BREAK)?.length ?? 0;

const isLineBreak = (char: string | undefined): boolean => char === "\n" || char === "\r";

function delimiterProblem(delimiter: string): string | undefined {
  if (delimiter.length !== 1) return `delimiter must be a single character, got ${JSON.stringify(delimiter)}`;
  if (delimiter === QUOTE || isLineBreak(delimiter)) return "delimiter cannot be a quote or a line break";
  return undefined;
}

/**
 * Splits text into records of raw field values. Line breaks (CRLF, LF or a lone CR) end
 * a record unless quoted; a record whose line is entirely empty is skipped.
 */
function splitRecords(text: string, delimiter: string): SplitResult {
  const records: string[][] = [];
  let fields: string[] = [];
  let line = 1;
  let position = 0;
  let recordStart = 0;

  for (;;) {
    if (text[position] === QUOTE) {
      const openedOnLine = line;
      let value = "";
      let cursor = position + 1;
      for (;;) {
        const closing = text.indexOf(QUOTE, cursor);
        if (closing === -1) return failure(openedOnLine, "unterminated quoted field");
        const chunk = text.slice(cursor, closing);
        line += countLineBreaks(chunk);
        value += chunk;
        if (text[closing + 1] !== QUOTE) {
          position = closing + 1;
          break;
        }
        value += QUOTE;
        cursor = closing + 2;
      }
      const next = text[position];
      if (next !== undefined && next !== delimiter && !isLineBreak(next)) {
        return failure(line, "unexpected character after a closing quote");
      }
      fields.push(value);
    } else {
      let end = position;
      while (end < text.length) {
        const char = text[end];
        if (char === delimiter || isLineBreak(char)) break;
        if (char === QUOTE) return failure(line, "quote inside an unquoted field");
        end += 1;
      }
      fields.push(text.slice(position, end));
      position = end;
    }

    const separator = text[position];
    if (separator === delimiter) {
      position += 1;
      continue;
    }
    const lineIsBlank = position === recordStart;
    if (!lineIsBlank) records.push(fields);
    fields = [];
    if (separator === undefined) break;
    position += separator === "\r" && text[position + 1] === "\n" ? 2 : 1;
    line += 1;
    recordStart = position;
    if (position >= text.length) break;
  }
  return { ok: true, records };
}

const generatedColumns = (rows: string[][]): string[] => {
  const width = rows.reduce((widest, row) => Math.max(widest, row.length), 0);
  return Array.from({ length: width }, (_, i) => `column_${i + 1}`);
};

/**
 * Parses CSV text. With `header` (the default) the first record names the columns;
 * otherwise columns are `column_1..column_n` after the widest row. Rows keep their own
 * width: callers decide what a width mismatch means.
 */
export function parseCsv(text: string, options: CsvOptions = {}): CsvResult {
  const delimiter = options.delimiter ?? ",";
  const problem = delimiterProblem(delimiter);
  if (problem !== undefined) return failure(1, problem);

  const body = text.startsWith(BOM) ? text.slice(BOM.length) : text;
  if (body === "") return failure(1, "empty input");

  const split = splitRecords(body, delimiter);
  if (!split.ok) return split;
  const [first, ...rest] = split.records;
  if (first === undefined) return failure(1, "empty input: only blank lines");

  if (options.header ?? true) return { ok: true, columns: first, rows: rest };
  return { ok: true, columns: generatedColumns(split.records), rows: split.records };
}
