// What the CLI prints: human tables and key/value blocks by default, JSON for scripts
// (`--json`), and a failed request's problem (title, detail, the fields named) on stderr.
// Formatting is pure (strings in, strings out); `emit`/`emitError` only write.
import type { Problem } from "../platform/problem.ts";

export type Column<T> = { header: string; value: (row: T) => unknown; align?: "right" };

/** One value in a cell: null as "-", objects as compact JSON, cut to `max` characters on one line. */
export const cell = (value: unknown, max = 60): string => {
  const text = value === null || value === undefined ? "-" : typeof value === "string" ? value : JSON.stringify(value);
  const line = text.replace(/\s*\n\s*/g, " ");
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/** Rows as a table with a header, columns two spaces apart, no trailing blanks; "(none)" for no rows. */
export const table = <T>(rows: readonly T[], columns: readonly Column<T>[]): string => {
  if (rows.length === 0) return "(none)\n";
  const cells = rows.map((row) => columns.map((column) => cell(column.value(row))));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((r) => (r[i] ?? "").length)));
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => (columns[i]?.align === "right" ? value.padStart(widths[i] ?? 0) : value.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return `${[line(columns.map((c) => c.header)), ...cells.map(line)].join("\n")}\n`;
};

/** `key: value` lines with the values aligned; objects as JSON (not cut). */
export const keyValues = (pairs: readonly (readonly [string, unknown])[]): string => {
  const width = Math.max(0, ...pairs.map(([key]) => key.length)) + 1;
  return pairs.map(([key, value]) => `${`${key}:`.padEnd(width)} ${cell(value, Number.POSITIVE_INFINITY)}`.trimEnd()).join("\n") + "\n";
};

/** The line that tells a human how to get a list's next page. */
export const nextPage = (next: string | number | null): string => (next === null ? "" : `next page: --cursor ${next}\n`);

/** A problem for a human: "error: <status> <title>", its detail, then each field it names. */
export const problemText = (problem: Problem): string => {
  const lines = [`error: ${problem.status} ${problem.title}`];
  if (problem.detail) lines.push(problem.detail);
  for (const error of problem.errors ?? []) lines.push(`  ${error.path}: ${error.message}`);
  return `${lines.join("\n")}\n`;
};

export const json = (value: unknown): string => `${JSON.stringify(value)}\n`;
export const prettyJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** Prints `value` as JSON when asked, else as `human(value)`. */
export const emit = <T>(asJson: boolean, value: T, human: (value: T) => string): void => {
  process.stdout.write(asJson ? json(value) : human(value));
};
