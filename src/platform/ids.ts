// The one rule for identifiers that reach storage names, URLs and logs: a safe
// character set and a bounded length, so an id can never smuggle a path separator,
// a control character or an unbounded string into a Durable Object name.
import { z } from "zod";

/** `.` and `..` alone are refused: a URL cannot carry them as a path segment. */
export const ID_PATTERN = /^(?!\.\.?$)[A-Za-z0-9._:-]{1,128}$/;

export const idSchema = z
  .string()
  .regex(ID_PATTERN, "must be 1-128 characters of A-Z a-z 0-9 . _ : -, not '.' or '..'");

/** Idempotency keys follow the same alphabet and allow up to 255 characters. */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,255}$/, "must be 1-255 characters of A-Z a-z 0-9 . _ : -");

export const isId = (value: string): boolean => ID_PATTERN.test(value);
