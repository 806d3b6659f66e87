// Why: a directory shard parses every discovery query it is asked with zod (every RPC
// parses its input), and the same few queries come again and again (a benchmark's, a
// dashboard's, a workflow's roles): eight shards parsing each one costs more than
// remembering it. A parse is remembered by the input's JSON text, only for input that
// is plain JSON data (strings, finite numbers other than -0, booleans, null, plain
// objects and arrays): for such input the text decides the outcome, so an input with a
// remembered text gets the very same parsed value (its holders must not change it).
// Anything else, and every input that fails, is parsed as it comes.
import type { z } from "zod";
import { parseOrProblem } from "./zod-issues.ts";

/** The input's JSON text when it is plain JSON data, else null. */
export const plainJsonText = (value: unknown): string | null => {
  let plain = true;
  let text: string | undefined;
  try {
    text = JSON.stringify(value, function (this: Record<string, unknown>, key: string, written: unknown) {
      // The value as it is, before any toJSON (a Date would be written as a string).
      const v = this[key];
      if (!plain) return undefined;
      switch (typeof v) {
        case "string":
        case "boolean":
          return written;
        case "number":
          if (!Number.isFinite(v) || Object.is(v, -0)) plain = false;
          return written;
        case "object":
          if (v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) plain = false;
          if (v !== written) plain = false;
          return written;
        default:
          plain = false;
          return undefined;
      }
    });
  } catch {
    return null;
  }
  return plain && text !== undefined ? text : null;
};

/** parseOrProblem(schema, value, root), remembering up to `size` parses of plain JSON input by its text (the oldest forgotten first). */
export const createParseCache = <T extends z.ZodType>(schema: T, root: string, size = 64): ((value: unknown) => z.output<T>) => {
  const parsed = new Map<string, z.output<T>>();
  return (value) => {
    const text = plainJsonText(value);
    if (text !== null) {
      const known = parsed.get(text);
      if (known !== undefined) return known;
    }
    const output = parseOrProblem(schema, value, root);
    if (text !== null) {
      parsed.set(text, output);
      if (parsed.size > size) parsed.delete(parsed.keys().next().value!);
    }
    return output;
  };
};
