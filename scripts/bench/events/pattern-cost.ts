// What matching a subscription's type pattern costs, since it runs for every event and
// subscription inside a stream's delivery pass: a typical pattern, and the worst case
// of a backtracking matcher (`#.a.#.a.#.a.#.a.#.a.#.a.#.z` against 64 segments of `a`),
// which the platform's matcher must answer in time linear in pattern x type. Measured
// in this Node process (the same code the stream object runs), before the servers start.
import { matchesPattern } from "../../../src/platform/events/pattern.ts";
import { fmt } from "../lib/stats.ts";
import { median } from "./measure.ts";

export type PatternCase = { title: string; pattern: string; type: string };
export type PatternCost = PatternCase & { matches: boolean; microsPerMatch: number };
export type PatternFigures = { typical: PatternCost; wildcard: PatternCost; worst: PatternCost };

const WORST: PatternCase = {
  title: "worst case",
  pattern: `${"#.a.".repeat(6)}#.z`,
  type: Array.from({ length: 64 }, () => "a").join("."),
};
const TYPICAL: PatternCase = { title: "typical", pattern: "order.*", type: "order.created" };
const WILDCARD: PatternCase = { title: "typical, any depth", pattern: "order.#.added", type: "order.line.item.added" };

const ROUNDS = 5;

/** Microseconds per match: the median of `ROUNDS` timed runs of `count` matches. */
const measure = (c: PatternCase, count: number): PatternCost => {
  let matches = false;
  for (let i = 0; i < Math.min(count, 1_000); i++) matches = matchesPattern(c.pattern, c.type); // warm-up
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    for (let i = 0; i < count; i++) matches = matchesPattern(c.pattern, c.type);
    rounds.push(((performance.now() - started) * 1000) / count);
  }
  return { ...c, matches, microsPerMatch: median(rounds) };
};

export const patternBench = (quick: boolean): PatternFigures => {
  const count = quick ? 2_000 : 20_000;
  const figures = { typical: measure(TYPICAL, count), wildcard: measure(WILDCARD, count), worst: measure(WORST, count) };
  console.log("\n# Event benchmark: subscription pattern matching (in-process, before the servers start)");
  for (const f of Object.values(figures)) console.log(`  ${f.title}: '${f.pattern}' ~ ${f.type.length}-character type: ${fmt(f.microsPerMatch, 3)} us per match (${f.matches ? "match" : "no match"})`);
  return figures;
};
