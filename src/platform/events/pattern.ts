// Event type patterns for subscriptions, with AMQP topic semantics over dot-separated
// segments: a word matches itself, `*` matches exactly one segment, `#` matches zero or
// more segments. So `order.created` is exact, `order.*` matches `order.created` but not
// `order.line.added`, and `order.#` matches `order`, `order.created` and `order.line.added`.
import { z } from "zod";

const SEGMENT = /^(?:[a-z0-9_-]+|\*|#)$/;

export const patternSchema = z
  .string()
  .min(1)
  .max(256)
  .refine((pattern) => pattern.split(".").every((segment) => SEGMENT.test(segment)), {
    message: "must be dot-separated segments, each a lowercase word, '*' (one segment) or '#' (any number)",
  });

const matchFrom = (pattern: readonly string[], p: number, type: readonly string[], t: number): boolean => {
  if (p === pattern.length) return t === type.length;
  const segment = pattern[p];
  if (segment === "#") {
    // Collapse runs of '#': they match what one does.
    if (pattern[p + 1] === "#") return matchFrom(pattern, p + 1, type, t);
    for (let skip = t; skip <= type.length; skip++) if (matchFrom(pattern, p + 1, type, skip)) return true;
    return false;
  }
  if (t === type.length) return false;
  return (segment === "*" || segment === type[t]) && matchFrom(pattern, p + 1, type, t + 1);
};

export const matchesPattern = (pattern: string, type: string): boolean =>
  pattern === type || pattern === "#" || matchFrom(pattern.split("."), 0, type.split("."), 0);
