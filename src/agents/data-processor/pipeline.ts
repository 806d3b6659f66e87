// The DataProcessor agent's pure pipeline: payload text -> candidate records ->
// validated records -> normalised records. It does no I/O, so the agent's action stays
// a thin wrapper; the rules for a single record live in record.ts.
import { parseCsv } from "./csv.ts";
import {
  type DataRecord,
  describeType,
  isPlainObject,
  type PayloadFormat,
  transformRecord,
  type Validation,
  validateRecord,
} from "./record.ts";

export {
  type DataRecord,
  MAX_FIELDS,
  MAX_KEY_LENGTH,
  normaliseKey,
  type PayloadFormat,
  type Scalar,
  transformRecord,
  type Validation,
  validateRecord,
} from "./record.ts";

/** Only CSV reads these; JSON ignores them. */
export type PayloadOptions = { delimiter?: string; header?: boolean };

/**
 * One input record before validation, at its 0-based position in the input (for CSV,
 * the data row, not counting the header). A CSV row whose width differs from the
 * columns has no sound object form, so it arrives already rejected.
 */
export type Candidate =
  | { index: number; ok: true; value: unknown }
  | { index: number; ok: false; reason: string };
export type ParsedPayload = { ok: true; candidates: Candidate[] } | { ok: false; message: string };
export type Rejection = { index: number; reason: string };
export type ProcessInput = { format: PayloadFormat; payload: string; options?: PayloadOptions };
export type ProcessResult =
  | { ok: true; records: DataRecord[]; rejected: Rejection[]; bytes: number }
  | { ok: false; message: string };

const BOM = "\uFEFF";
const fail = (message: string): { ok: false; message: string } => ({ ok: false, message });

function parseJsonPayload(payload: string): ParsedPayload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.startsWith(BOM) ? payload.slice(BOM.length) : payload);
  } catch (error) {
    return fail(`payload is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const values: unknown[] | undefined = Array.isArray(parsed) ? parsed : isPlainObject(parsed) ? [parsed] : undefined;
  if (values === undefined) {
    return fail(`JSON payload must be an array of records or a single object, got ${describeType(parsed)}`);
  }
  return { ok: true, candidates: values.map((value, index) => ({ index, ok: true, value })) };
}

function columnProblem(columns: string[]): string | undefined {
  const seen = new Set<string>();
  for (const [position, column] of columns.entries()) {
    if (column.trim() === "") return `CSV header column ${position + 1} has no name`;
    if (seen.has(column)) return `CSV header names column "${column}" twice`;
    seen.add(column);
  }
  return undefined;
}

function parseCsvPayload(payload: string, options: PayloadOptions): ParsedPayload {
  const parsed = parseCsv(payload, options);
  if (!parsed.ok) return fail(`CSV line ${parsed.error.line}: ${parsed.error.message}`);
  const { columns, rows } = parsed;
  const problem = columnProblem(columns);
  if (problem !== undefined) return fail(problem);
  const candidates = rows.map((row, index): Candidate =>
    row.length === columns.length
      ? { index, ok: true, value: Object.fromEntries(columns.map((column, i) => [column, row[i] ?? ""])) }
      : { index, ok: false, reason: `row has ${row.length} fields, expected ${columns.length}` },
  );
  return { ok: true, candidates };
}

/** Turns payload text into candidate records; fails only when the payload as a whole is unusable. */
export function parsePayload(format: PayloadFormat, payload: string, options: PayloadOptions = {}): ParsedPayload {
  switch (format) {
    case "json":
      return parseJsonPayload(payload);
    case "csv":
      return parseCsvPayload(payload, options);
    default:
      return fail(`unsupported format ${JSON.stringify(format)}`);
  }
}

/** Parses, validates and transforms a payload; invalid records are listed, not fatal. */
export function processPayload(input: ProcessInput): ProcessResult {
  const parsed = parsePayload(input.format, input.payload, input.options);
  if (!parsed.ok) return parsed;
  const records: DataRecord[] = [];
  const rejected: Rejection[] = [];
  for (const candidate of parsed.candidates) {
    const checked: Validation = candidate.ok ? validateRecord(candidate.value) : candidate;
    if (checked.ok) records.push(transformRecord(checked.record, input.format));
    else rejected.push({ index: candidate.index, reason: checked.reason });
  }
  return { ok: true, records, rejected, bytes: new TextEncoder().encode(input.payload).length };
}
