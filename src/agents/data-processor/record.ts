// What one DataProcessor record may contain and how it is normalised, apart from how
// payloads are parsed, so both input formats share exactly the same record rules.
export type Scalar = string | number | boolean | null;
export type DataRecord = Record<string, Scalar>;
export type PayloadFormat = "json" | "csv";
export type Validation = { ok: true; record: DataRecord } | { ok: false; reason: string };

export const MAX_FIELDS = 200;
export const MAX_KEY_LENGTH = 128;

const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
const LEADING_ZERO = /^[+-]?0\d/;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "number" && !Number.isFinite(value)) return "a non-finite number";
  return typeof value;
}

function isScalar(value: unknown): value is Scalar {
  if (typeof value === "number") return Number.isFinite(value);
  return value === null || typeof value === "string" || typeof value === "boolean";
}

/** Accepts a plain object of 1..MAX_FIELDS named fields whose values are all scalars. */
export function validateRecord(value: unknown): Validation {
  if (!isPlainObject(value)) return { ok: false, reason: `record must be an object, got ${describeType(value)}` };
  const entries = Object.entries(value);
  if (entries.length === 0) return { ok: false, reason: "record has no fields" };
  if (entries.length > MAX_FIELDS) {
    return { ok: false, reason: `record has ${entries.length} fields, at most ${MAX_FIELDS} are allowed` };
  }
  const fields: Array<[string, Scalar]> = [];
  for (const [key, field] of entries) {
    if (key.trim() === "") return { ok: false, reason: "record has a field with an empty name" };
    if (key.length > MAX_KEY_LENGTH) {
      return { ok: false, reason: `field name "${key.slice(0, 32)}..." is longer than ${MAX_KEY_LENGTH} characters` };
    }
    if (!isScalar(field)) {
      return {
        ok: false,
        reason: `field "${key}" holds ${describeType(field)}; values must be strings, numbers, booleans or null`,
      };
    }
    fields.push([key, field]);
  }
  return { ok: true, record: Object.fromEntries(fields) };
}

/** `First Name` -> `first_name`, `orderId` -> `order_id`; a key with no letters or digits becomes `field`. */
export function normaliseKey(key: string): string {
  const snake = key
    .trim()
    .replace(/(\p{Lu}+)(\p{Lu}\p{Ll})/gu, "$1_$2")
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, "$1_$2")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "_")
    .replace(/^_+|_+$/g, "");
  return snake === "" ? "field" : snake;
}

function claimKey(base: string, taken: Set<string>): string {
  let key = base;
  for (let suffix = 2; taken.has(key); suffix += 1) key = `${base}_${suffix}`;
  taken.add(key);
  return key;
}

/** A numeric string becomes a number unless that would lose digits (`007`, huge integers). */
function coerceCsvText(text: string): Scalar {
  if (text === "") return null;
  const lowered = text.toLowerCase();
  if (lowered === "true" || lowered === "false") return lowered === "true";
  if (!NUMERIC.test(text) || LEADING_ZERO.test(text)) return text;
  const number = Number(text);
  if (!Number.isFinite(number)) return text;
  if (INTEGER.test(text) && !Number.isSafeInteger(number)) return text;
  return number;
}

function transformValue(value: Scalar, source: PayloadFormat): Scalar {
  if (typeof value !== "string") return value;
  const text = value.trim();
  return source === "csv" ? coerceCsvText(text) : text;
}

/**
 * Normalises keys to snake_case (a later key that collides gets `_2`, `_3`, ...) and
 * trims strings. CSV text also becomes numbers, booleans and null, since CSV has no
 * types of its own; JSON values already carry theirs and are left as they are.
 */
export function transformRecord(record: DataRecord, source: PayloadFormat): DataRecord {
  const taken = new Set<string>();
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => [claimKey(normaliseKey(key), taken), transformValue(value, source)]),
  );
}

