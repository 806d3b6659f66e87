// Parses the RPC envelopes that repeat from call to call (the same caller, the same
// address) once. zod cannot generate code in workerd, so a strict object with a few
// regexes costs tens of microseconds per parse, paid by every call. A memoized parser
// parses a value's JSON form and remembers the (frozen) answer by that text, so a value
// whose JSON form was accepted before gets the same answer without parsing again.
import type { z } from "zod";
import { deepFreeze } from "./deep-freeze.ts";
import { parseOrProblem } from "./zod-issues.ts";

const jsonText = (value: unknown): string | undefined => {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
};

export const memoizedParser = <T extends z.ZodType>(schema: T, root: string, limit = 512) => {
  const memo = new Map<string, z.output<T>>();
  return (raw: unknown): z.output<T> => {
    const text = jsonText(raw);
    // Not JSON at all (undefined, a function, a cycle): parsed as it is, and refused.
    if (text === undefined) return parseOrProblem(schema, raw, root);
    const known = memo.get(text);
    if (known !== undefined) return known;
    const parsed = deepFreeze(parseOrProblem(schema, JSON.parse(text), root));
    if (memo.size >= limit) memo.delete(memo.keys().next().value as string);
    memo.set(text, parsed);
    return parsed;
  };
};
