// `POST /v1/discovery/query`: the request, what each directory shard answers, and the
// Worker's decision over their answers. Each shard scores its matches and answers, per
// tier (local, regional, global; each contains the one before), how many matched and
// its best `limit`. The Worker adds the counts and merges the best of the tier the
// strategy picks. `adaptive` widens as the seed's `discover_adaptive` does: local if
// it has `min_count` matches, else regional, else global (and says whether even that
// met `min_count`).
import { z } from "zod";
import { constraintsSchema } from "../security/constraints.ts";
import { type DirectoryEntry, entryView, type EntryView } from "./entry.ts";
import { compileConstraints, type EntryFacts } from "./fast-match.ts";
import { JURISDICTIONS, LOCATION_HINTS, regionOf } from "./placement.ts";
import { byScore, capabilityRequirementSchema, capabilityScore, type Near, type Scored, type ScoreParts, WEIGHTS } from "./score.ts";

export const STRATEGIES = ["local", "regional", "global", "adaptive"] as const;
export type Strategy = (typeof STRATEGIES)[number];
export const TIERS = ["local", "regional", "global"] as const;
export type Tier = (typeof TIERS)[number];

export const discoveryQuerySchema = z.strictObject({
  type: z.string().min(1).max(64).optional(),
  capability: capabilityRequirementSchema.optional(),
  constraints: constraintsSchema.default({}),
  min_count: z.number().int().min(1).max(100).default(1),
  strategy: z.enum(STRATEGIES).default("adaptive"),
  limit: z.number().int().min(1).max(100).default(10),
  near: z
    .strictObject({ locationHint: z.enum(LOCATION_HINTS).optional(), jurisdiction: z.enum(JURISDICTIONS).optional() })
    .optional(),
});
export type DiscoveryQuery = z.output<typeof discoveryQuerySchema>;

/** What a shard is asked: the query's filters and where the caller is. */
export const shardQuerySchema = z.strictObject({
  type: z.string().min(1).max(64).optional(),
  /** Any of these types (a workflow role bound by capability: the deployed types providing it). */
  types: z.array(z.string().min(1).max(64)).min(1).max(64).optional(),
  capability: capabilityRequirementSchema.optional(),
  constraints: constraintsSchema,
  limit: z.number().int().min(1).max(100),
  near: z.strictObject({ locationHint: z.enum(LOCATION_HINTS).nullable(), jurisdiction: z.enum(JURISDICTIONS).nullable() }),
});
export type ShardQuery = z.input<typeof shardQuerySchema>;

/** Several queries in one RPC (a run binding all its roles at once). */
export const MAX_SHARD_QUERIES = 32;
export const shardQueriesSchema = z.array(shardQuerySchema).min(1).max(MAX_SHARD_QUERIES);

export type ShardAnswer = { tiers: { count: number; best: Scored[] }[] };

/**
 * A match as a shard sends it: the entry as JSON text (built once per entry), so that
 * the RPC carries strings rather than object graphs and the Worker parses only the
 * entries it answers with.
 */
export type WireScored = { id: string; score: number; parts: ScoreParts; entry: string };
export type WireAnswer = { tiers: { count: number; best: WireScored[] }[] };

const round = (n: number): number => Math.round(n * 1e4) / 1e4;

const entryTexts = new WeakMap<DirectoryEntry, string>();
const entryText = (entry: DirectoryEntry): string => {
  let text = entryTexts.get(entry);
  if (text === undefined) entryTexts.set(entry, (text = JSON.stringify(entry)));
  return text;
};

export const toWire = (answer: ShardAnswer): WireAnswer => ({
  tiers: answer.tiers.map(({ count, best }) => ({ count, best: best.map(({ entry, score, parts }) => ({ id: entry.id, score, parts, entry: entryText(entry) })) })),
});

/** byScore over sent matches: best first, equal scores by id. */
const byWireScore = (a: WireScored, b: WireScored): number => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Inserts `scored` into `best` (sorted by byScore, shorter than `limit` or ranked before its last), keeping at most `limit`. */
const insertBest = (best: Scored[], scored: Scored, limit: number): void => {
  // Binary search for the first kept entry ranked after `scored` (byScore is a total order: ids differ).
  let low = 0;
  let high = best.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (byScore(scored, best[mid]!) < 0) high = mid;
    else low = mid + 1;
  }
  best.splice(low, 0, scored);
  if (best.length > limit) best.pop();
};

const LOCALITY = [1, 0.5, 0] as const;

/**
 * A shard's answer over its entries (their facts, in groups): per tier, the number of
 * matches and the best `limit`, kept as it goes (a shard with thousands of matches sorts
 * none of them). Each entry is matched and scored as matchEntry does (and tiered as
 * tierOf does), from its facts and the query's constraints compiled once (fast-match.ts),
 * in one loop that calls no per-query closure but the constraints'. A match is made into an object only when it ranks
 * among a tier's best so far (byScore against the tier's last kept, when it holds
 * `limit`): the scores of the rest are numbers compared and dropped.
 */
export const answerShard = (groups: Iterable<Iterable<EntryFacts>>, query: z.output<typeof shardQuerySchema>): ShardAnswer => {
  const tiers = TIERS.map(() => ({ count: 0, best: [] as Scored[] }));
  const holds = compileConstraints(query.constraints);
  const types = query.types === undefined ? null : new Set(query.types);
  const { type, capability: required, limit } = query;
  const { locationHint, jurisdiction } = query.near;
  const region = locationHint === null ? null : regionOf(locationHint);
  for (const group of groups) {
    for (const facts of group) {
      const entry = facts.entry;
      if (entry.status !== "running") continue;
      if (type !== undefined && entry.type !== type) continue;
      if (types !== null && !types.has(entry.type)) continue;
      if (holds !== null && !holds(facts)) continue;
      const capability = required === undefined ? 1 : capabilityScore(required, entry.capabilities);
      if (capability <= 0) continue;
      const t = locationHint !== null && facts.hint === locationHint ? 0 : (jurisdiction !== null && facts.jurisdiction === jurisdiction) || (region !== null && facts.region === region) ? 1 : 2;
      // As matchEntry computes them, in the same order (the same rounding).
      const capabilityPart = round(capability);
      const locality = LOCALITY[t];
      const score = round(WEIGHTS.capability * capabilityPart + WEIGHTS.health * facts.health + WEIGHTS.load * facts.load + WEIGHTS.locality * locality);
      // Tiers nest: a local match is also regional and global.
      for (let k = t; k < 3; k++) tiers[k]!.count++;
      let scored: Scored | undefined;
      for (let k = t; k < 3; k++) {
        const best = tiers[k]!.best;
        if (best.length === limit) {
          // byScore(match, last) >= 0: it ranks after the last kept, here and in every wider tier (which keeps better or equal).
          const last = best[limit - 1]!;
          if (score < last.score || (score === last.score && facts.id > last.entry.id)) break;
        }
        scored ??= { entry, score, parts: { capability: capabilityPart, health: facts.health, load: facts.load, locality } };
        insertBest(best, scored, limit);
      }
    }
  }
  return { tiers };
};

export type DiscoveryMatch = { agent: EntryView; score: number; parts: ScoreParts };

export type DiscoveryAnswer = {
  strategy: Strategy;
  /** The tier the matches come from: the strategy's, or where `adaptive` stopped widening. */
  tier: Tier;
  near: Near;
  min_count: number;
  /** Matches in the tier (may exceed the items listed, which are at most `limit`). */
  matched: number;
  satisfied: boolean;
  /** Matches per tier, for every tier: what widening would find. */
  counts: Record<Tier, number>;
  items: DiscoveryMatch[];
};

/** Picks the tier and merges the shards' best of it. */
export const decide = (answers: readonly WireAnswer[], query: Pick<DiscoveryQuery, "strategy" | "min_count" | "limit">, near: Near): DiscoveryAnswer => {
  const counts = TIERS.map((_, t) => answers.reduce((sum, answer) => sum + (answer.tiers[t]?.count ?? 0), 0));
  const enough = counts.findIndex((count) => count >= query.min_count);
  const chosen = query.strategy === "adaptive" ? (enough === -1 ? TIERS.length - 1 : enough) : TIERS.indexOf(query.strategy);
  const best = answers.flatMap((answer) => answer.tiers[chosen]?.best ?? []).sort(byWireScore).slice(0, query.limit);
  const matched = counts[chosen] ?? 0;
  return {
    strategy: query.strategy,
    tier: TIERS[chosen] ?? "global",
    near,
    min_count: query.min_count,
    matched,
    satisfied: matched >= query.min_count,
    counts: { local: counts[0] ?? 0, regional: counts[1] ?? 0, global: counts[2] ?? 0 },
    items: best.map(({ entry, score, parts }) => ({ agent: entryView(JSON.parse(entry) as DirectoryEntry), score, parts })),
  };
};
