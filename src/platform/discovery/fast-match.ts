// Why: every discovery query (and every run binding on a cache miss) has each directory
// shard match and score its running entries, 1,250 of them per shard at 10,000 agents,
// and eight queries at once are 64 such shard answers on two cores. matchEntry (score.ts)
// is the reference; this is the same decision compiled once per query: the constraints
// become a predicate that builds no failure reasons, the set of types a Set, and each
// entry's constraint context is built once per entry (entries are replaced, never
// changed, so it is memoized by identity). fast-match.test.ts checks both agree.
import type { Constraint, Constraints } from "../security/constraints.ts";
import type { DirectoryEntry } from "./entry.ts";
import { capabilityScore, constraintContext, healthScore, loadScore, type MatchRequest, type Near, type Scored, tierOf, WEIGHTS } from "./score.ts";

const BOUND_KEY = /^(max|min)([A-Z][A-Za-z0-9_]*)$/;

type Check = (context: Record<string, unknown>) => boolean;

/** One constraint as checkConstraints (security/constraints.ts) reads it, answering only whether it holds. */
const checkOf = (key: string, constraint: Constraint): Check => {
  const bound = typeof constraint === "number" ? BOUND_KEY.exec(key) : null;
  if (bound) {
    const name = bound[2] ?? "";
    const field = name.charAt(0).toLowerCase() + name.slice(1);
    const limit = constraint as number;
    return bound[1] === "max"
      ? (context) => { const value = context[field]; return typeof value === "number" && !(value > limit); }
      : (context) => { const value = context[field]; return typeof value === "number" && !(value < limit); };
  }
  if (Array.isArray(constraint)) return (context) => Object.hasOwn(context, key) && constraint.some((allowed) => allowed === context[key]);
  if (typeof constraint === "object") {
    const { min, max } = constraint;
    return (context) => {
      if (!Object.hasOwn(context, key)) return false;
      const value = context[key];
      return typeof value === "number" && !(min !== undefined && value < min) && !(max !== undefined && value > max);
    };
  }
  return (context) => Object.hasOwn(context, key) && context[key] === constraint;
};

/** `checkConstraints(constraints, context).ok`, compiled once for many contexts. */
export const constraintPredicate = (constraints: Constraints): Check => {
  const checks = Object.entries(constraints).map(([key, constraint]) => checkOf(key, constraint));
  if (checks.length === 0) return () => true;
  return (context) => {
    for (const check of checks) if (!check(context)) return false;
    return true;
  };
};

const contexts = new WeakMap<DirectoryEntry, Record<string, unknown>>();

/** constraintContext(entry), built once per entry object. */
export const contextOf = (entry: DirectoryEntry): Record<string, unknown> => {
  let context = contexts.get(entry);
  if (!context) contexts.set(entry, (context = constraintContext(entry)));
  return context;
};

const round = (n: number): number => Math.round(n * 1e4) / 1e4;

/** matchEntry(entry, request, near), compiled once per query. */
export const compileMatch = (request: MatchRequest, near: Near): ((entry: DirectoryEntry) => Scored | null) => {
  const types = request.types === undefined ? null : new Set(request.types);
  const holds = constraintPredicate(request.constraints);
  const { type, capability: required } = request;
  return (entry) => {
    if (entry.status !== "running") return null;
    if (type !== undefined && entry.type !== type) return null;
    if (types !== null && !types.has(entry.type)) return null;
    if (!holds(contextOf(entry))) return null;
    const capability = capabilityScore(required, entry.capabilities);
    if (capability <= 0) return null;
    const parts = { capability: round(capability), health: round(healthScore(entry)), load: round(loadScore(entry)), locality: [1, 0.5, 0][tierOf(entry, near)] ?? 0 };
    const score = round(
      WEIGHTS.capability * parts.capability + WEIGHTS.health * parts.health + WEIGHTS.load * parts.load + WEIGHTS.locality * parts.locality,
    );
    return { entry, score, parts };
  };
};

/**
 * The label values a query's constraints require of `key`, when its constraint can only
 * hold for those: a string, or a list (its strings; labels are strings). Null when the
 * constraint says nothing an index of labels can answer: a bound, a range, a number
 * alone, or a key that is not a label's (labels are lower case; load figures are not).
 */
export const labelValuesRequired = (key: string, constraint: Constraint, isLabelKey: (key: string) => boolean): string[] | null => {
  if (!isLabelKey(key)) return null;
  if (typeof constraint === "string") return [constraint];
  if (Array.isArray(constraint)) return [...new Set(constraint.filter((value): value is string => typeof value === "string"))];
  return null;
};
