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

/**
 * Whether `pattern` matches `type`, in time linear in (pattern segments x type segments),
 * so no pattern can make a stream's delivery pass slow: a backtracking matcher takes
 * exponential time on patterns such as `#.a.#.a.#.a.#.z` against a long type. After
 * pattern segment k, `reach[j]` says whether its first k segments can match the type's
 * first j segments; a word or `*` moves each reachable position one on, `#` makes every
 * position at or after a reachable one reachable.
 */
const matchSegments = (pattern: readonly string[], type: readonly string[]): boolean => {
  const n = type.length;
  let reach = new Uint8Array(n + 1);
  let next = new Uint8Array(n + 1);
  reach[0] = 1;
  for (const segment of pattern) {
    let any = false;
    if (segment === "#") {
      let seen = 0;
      for (let j = 0; j <= n; j++) {
        seen |= reach[j]!;
        next[j] = seen;
      }
      any = seen === 1;
    } else {
      next[0] = 0;
      for (let j = 0; j < n; j++) {
        const moves = reach[j] === 1 && (segment === "*" || segment === type[j]) ? 1 : 0;
        next[j + 1] = moves;
        if (moves === 1) any = true;
      }
    }
    if (!any) return false;
    [reach, next] = [next, reach];
  }
  return reach[n] === 1;
};

export const matchesPattern = (pattern: string, type: string): boolean =>
  pattern === type || pattern === "#" || matchSegments(pattern.split("."), type.split("."));
