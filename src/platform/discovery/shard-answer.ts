// A directory shard's answer to a discovery query: per tier, how many of its entries
// match and its best `limit`, scored as it scans (only matches that can still rank), and
// that answer in the column form it sends (WireAnswer, query.ts).
import type { z } from "zod";
import type { Constraints } from "../security/constraints.ts";
import { type DirectoryEntry, entryView } from "./entry.ts";
import { compileConstraints, type EntryFacts } from "./fast-match.ts";
import { regionOf } from "./placement.ts";
import type { shardQuerySchema, WireAnswer } from "./query.ts";
import { byScore, capabilityScore, type Scored, WEIGHTS } from "./score.ts";

export type ShardAnswer = { tiers: { count: number; best: Scored[] }[] };

const round = (n: number): number => Math.round(n * 1e4) / 1e4;

const viewTexts = new WeakMap<DirectoryEntry, string>();
const viewText = (entry: DirectoryEntry): string => {
  let text = viewTexts.get(entry);
  if (text === undefined) viewTexts.set(entry, (text = JSON.stringify(entryView(entry))));
  return text;
};

export const toWire = (answer: ShardAnswer): WireAnswer => {
  // Each match once, with the narrowest tier whose best holds it (its own tier, see above).
  const wire: WireAnswer = { counts: answer.tiers.map((tier) => tier.count), ids: [], figures: [], views: [] };
  const add = (scored: Scored, tier: number): void => {
    const { entry, score, parts } = scored;
    wire.ids.push(entry.id);
    wire.figures.push(tier, score, parts.capability, parts.health, parts.load, parts.locality);
    wire.views.push(viewText(entry));
  };
  const filled = answer.tiers.flatMap(({ best }, t) => (best.length === 0 ? [] : [t]));
  if (filled.length === 1) {
    // One tier holds every match (a caller with no location: all global): its best, already in order.
    const t = filled[0]!;
    for (const scored of answer.tiers[t]!.best) add(scored, t);
    return wire;
  }
  const tierOfMatch = new Map<Scored, number>();
  answer.tiers.forEach(({ best }, t) => {
    for (const scored of best) if (!tierOfMatch.has(scored)) tierOfMatch.set(scored, t);
  });
  for (const scored of [...tierOfMatch.keys()].sort(byScore)) add(scored, tierOfMatch.get(scored)!);
  return wire;
};

/**
 * Inserts `scored` into `best` (best first, shorter than `limit` or ranked before its
 * last), keeping at most `limit`; `ranks` are the kept matches' ranks (their ids' order,
 * compared as numbers).
 */
const insertBest = (best: Scored[], ranks: number[], scored: Scored, rank: number, limit: number): void => {
  // Binary search for the first kept entry ranked after `scored` (a total order: ranks differ).
  let low = 0;
  let high = best.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const score = best[mid]!.score;
    if (scored.score > score || (scored.score === score && rank < ranks[mid]!)) high = mid;
    else low = mid + 1;
  }
  best.splice(low, 0, scored);
  ranks.splice(low, 0, rank);
  if (best.length > limit) {
    best.pop();
    ranks.pop();
  }
};

const LOCALITY = [1, 0.5, 0] as const;

/** Compiled constraints by the query's constraints object and the one not checked: a query parsed once (a shard remembers parses) is compiled once, and its checks stay the same functions. */
const compiled = new WeakMap<object, Map<string | null, ((facts: EntryFacts) => boolean) | null>>();
const compiledFor = (constraints: Constraints, meets: string | null): ((facts: EntryFacts) => boolean) | null => {
  let byMeets = compiled.get(constraints);
  if (byMeets === undefined) compiled.set(constraints, (byMeets = new Map()));
  let holds = byMeets.get(meets);
  if (holds === undefined) {
    holds = compileConstraints(meets === null ? constraints : Object.fromEntries(Object.entries(constraints).filter(([key]) => key !== meets)));
    byMeets.set(meets, holds);
  }
  return holds;
};

/**
 * A shard's answer over its entries (their facts, in groups, as the running set hands
 * them out: each in scan order, ranks fresh): per tier, the number of matches and the
 * best `limit`, kept as it goes (a shard with thousands of matches sorts none of them).
 * Each entry is matched and tiered as matchEntry and tierOf do, from its facts and the
 * query's constraints compiled once (fast-match.ts). Every match is counted, but it is
 * scored only when its bound (its score with all of the capability: fast-match.ts
 * `bounds`) could rank among its tier's best so far: in scan order a tier's best fill
 * first and the rest lose to its last in two comparisons of numbers. Without a capability
 * asked, the bound is the score. A tier's best holds a match only if its own tier's does
 * (the tiers nest: a wider tier keeps better or equal).
 */
export const answerShard = (
  groups: Iterable<readonly EntryFacts[]>,
  query: z.output<typeof shardQuerySchema>,
  /** A constraint every entry of `groups` is known to meet (the label index chose them by it): not checked again. */
  meets: string | null = null,
): ShardAnswer => {
  const counts = [0, 0, 0];
  const bests: Scored[][] = [[], [], []];
  const ranks: number[][] = [[], [], []];
  const holds = compiledFor(query.constraints, meets);
  const types = query.types === undefined ? null : new Set(query.types);
  const { type, capability: required, limit } = query;
  const { locationHint, jurisdiction } = query.near;
  const region = locationHint === null ? null : regionOf(locationHint);
  for (const group of groups) {
    for (let i = 0; i < group.length; i++) {
      const facts = group[i]!;
      const entry = facts.entry;
      if (entry.status !== "running") continue;
      if (type !== undefined && entry.type !== type) continue;
      if (types !== null && !types.has(entry.type)) continue;
      if (holds !== null && !holds(facts)) continue;
      const capability = required === undefined ? 1 : capabilityScore(required, entry.capabilities);
      if (capability <= 0) continue;
      const t = locationHint !== null && facts.hint === locationHint ? 0 : (jurisdiction !== null && facts.jurisdiction === jurisdiction) || (region !== null && facts.region === region) ? 1 : 2;
      // Tiers nest: a local match is also regional and global.
      for (let k = t; k < 3; k++) counts[k]!++;
      const own = bests[t]!;
      const bound = facts.bounds[t]!;
      if (own.length === limit) {
        // It ranks after the last kept even with all of the capability: here and in every wider tier.
        const last = own[limit - 1]!.score;
        if (bound < last || (bound === last && facts.rank > ranks[t]![limit - 1]!)) continue;
      }
      const capabilityPart = required === undefined ? 1 : round(capability);
      const locality = LOCALITY[t];
      // As matchEntry computes it, in the same order (the same rounding); the bound when all of the capability is provided.
      const score = required === undefined ? bound : round(WEIGHTS.capability * capabilityPart + WEIGHTS.health * facts.health + WEIGHTS.load * facts.load + WEIGHTS.locality * locality);
      let scored: Scored | undefined;
      for (let k = t; k < 3; k++) {
        const best = bests[k]!;
        if (best.length === limit) {
          const last = best[limit - 1]!.score;
          if (score < last || (score === last && facts.rank > ranks[k]![limit - 1]!)) break;
        }
        scored ??= { entry, score, parts: { capability: capabilityPart, health: facts.health, load: facts.load, locality } };
        insertBest(best, ranks[k]!, scored, facts.rank, limit);
      }
    }
  }
  return { tiers: counts.map((count, t) => ({ count, best: bests[t]! })) };
};
