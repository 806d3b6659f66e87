// Why: every discovery query (and every run binding on a cache miss) has each directory
// shard match and score its running entries, 1,250 of them per shard at 10,000 agents,
// and eight queries at once are 64 such shard answers on two cores. matchEntry (score.ts)
// is the reference; this is the same decision split in two. What no query changes is
// worked out once per entry, when the shard takes it in (`EntryFacts`: the parts of the
// score an entry's own figures decide, where it is placed); the query's constraints are
// compiled once per query into a predicate that builds no failure reasons and reads the
// figures and labels straight off the entry. answerShard (shard-answer.ts) scores with both;
// fast-match.test.ts checks it agrees with the reference.
import type { Constraint, Constraints } from "../security/constraints.ts";
import type { DirectoryEntry } from "./entry.ts";
import { type Jurisdiction, jurisdictionOf, type LocationHint, regionOf } from "./placement.ts";
import { healthScore, loadScore, WEIGHTS } from "./score.ts";

const BOUND_KEY = /^(max|min)([A-Z][A-Za-z0-9_]*)$/;

const round = (n: number): number => Math.round(n * 1e4) / 1e4;

/** What scoring an entry needs that no query changes: built once per entry taken in (entries are replaced, never changed). */
export type EntryFacts = {
  readonly entry: DirectoryEntry;
  readonly id: string;
  /** round(healthScore(entry)) and round(loadScore(entry)): score parts as matchEntry makes them. */
  readonly health: number;
  readonly load: number;
  /** The entry's location hint, its jurisdiction (its own, else its hint's) and its hint's region: what tierOf compares. */
  readonly hint: LocationHint | null;
  readonly jurisdiction: Jurisdiction | null;
  readonly region: string | null;
  /**
   * The score the entry has in each tier (local, regional, global) when it provides all
   * of the capability asked (or none is asked): exactly what matchEntry computes then, and
   * no less than what it computes otherwise (each part is at most 1; the sum and the
   * rounding never decrease when a part grows).
   */
  readonly bounds: readonly [number, number, number];
  /** The unrounded sum of the capability (at 1), health and load parts: the order a shard scans its entries in (with `rank`). */
  readonly order: number;
  /** The entry's place in its shard's id order (set by the running set): ties in score are ranked by it, as by id. */
  rank: number;
};

const LOCALITIES = [1, 0.5, 0] as const;

export const factsOf = (entry: DirectoryEntry): EntryFacts => {
  const hint = entry.placement.locationHint;
  const health = round(healthScore(entry));
  const load = round(loadScore(entry));
  // As matchEntry sums the parts, in the same order, with the capability part at round(1) = 1.
  const bound = (locality: number): number => round(WEIGHTS.capability * 1 + WEIGHTS.health * health + WEIGHTS.load * load + WEIGHTS.locality * locality);
  return {
    entry,
    id: entry.id,
    health,
    load,
    bounds: [bound(LOCALITIES[0]), bound(LOCALITIES[1]), bound(LOCALITIES[2])],
    order: WEIGHTS.capability * 1 + WEIGHTS.health * health + WEIGHTS.load * load,
    rank: 0,
    hint,
    jurisdiction: entry.placement.jurisdiction ?? (hint === null ? null : jurisdictionOf(hint)),
    region: hint === null ? null : regionOf(hint),
  };
};

/** A constraint's field as a check reads it: ABSENT when the context has no such own field. */
const ABSENT: unique symbol = Symbol("absent");
/** The reader of one field, made once per key (so a check calls one small function it can inline). */
type Reader<S> = (key: string) => (subject: S) => unknown;

/** One constraint as checkConstraints (security/constraints.ts) reads it, answering only whether it holds. */
const checkOf = <S>(key: string, constraint: Constraint, readerOf: Reader<S>): ((subject: S) => boolean) => {
  const bound = typeof constraint === "number" ? BOUND_KEY.exec(key) : null;
  if (bound) {
    // A bound reads its field whether own or not: an absent one is undefined, not a number.
    const name = bound[2] ?? "";
    const read = readerOf(name.charAt(0).toLowerCase() + name.slice(1));
    const limit = constraint as number;
    return bound[1] === "max"
      ? (subject) => { const value = read(subject); return typeof value === "number" && !(value > limit); }
      : (subject) => { const value = read(subject); return typeof value === "number" && !(value < limit); };
  }
  const read = readerOf(key);
  if (Array.isArray(constraint)) return (subject) => { const value = read(subject); return value !== ABSENT && constraint.some((allowed) => allowed === value); };
  if (typeof constraint === "object") {
    const { min, max } = constraint;
    return (subject) => {
      const value = read(subject);
      return typeof value === "number" && !(min !== undefined && value < min) && !(max !== undefined && value > max);
    };
  }
  return (subject) => read(subject) === constraint;
};

const allOf = <S>(constraints: Constraints, readerOf: Reader<S>): ((subject: S) => boolean) => {
  const checks = Object.entries(constraints).map(([key, constraint]) => checkOf(key, constraint, readerOf));
  if (checks.length === 0) return () => true;
  if (checks.length === 1) return checks[0]!;
  return (subject) => {
    for (const check of checks) if (!check(subject)) return false;
    return true;
  };
};

const contextReader: Reader<Record<string, unknown>> = (key) => (context) => (Object.hasOwn(context, key) ? context[key] : ABSENT);

/** `checkConstraints(constraints, context).ok`, compiled once for many contexts. */
export const constraintPredicate = (constraints: Constraints): ((context: Record<string, unknown>) => boolean) => allOf(constraints, contextReader);

/**
 * constraintContext(entry)[key] (score.ts): the load figures by name (p50Ms only when
 * known), else the labels (lower case, never a figure's name). A missing own field, and
 * an inherited one (a bound reads those too: never a number), read as ABSENT.
 */
const entryReader: Reader<EntryFacts> = (key) => {
  switch (key) {
    case "inFlight":
      return ({ entry }) => entry.load.inFlight;
    case "queueLength":
      return ({ entry }) => entry.load.queueLength;
    case "errorRate":
      return ({ entry }) => entry.load.errorRate;
    case "p50Ms":
      return ({ entry }) => (entry.load.p50Ms === null ? ABSENT : entry.load.p50Ms);
    default:
      return ({ entry }) => (Object.hasOwn(entry.labels, key) ? entry.labels[key] : ABSENT);
  }
};

/** The constraints' test of an entry, null when there are none. */
export const compileConstraints = (constraints: Constraints): ((facts: EntryFacts) => boolean) | null =>
  Object.keys(constraints).length === 0 ? null : allOf(constraints, entryReader);

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
