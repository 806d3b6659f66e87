// `POST /v1/discovery/query`: the request, what each directory shard answers, and the
// Worker's decision over their answers. Each shard scores its matches and answers, per
// tier (local, regional, global; each contains the one before), how many matched and
// its best `limit`. The Worker adds the counts and merges the best of the tier the
// strategy picks. `adaptive` widens as the seed's `discover_adaptive` does: local if
// it has `min_count` matches, else regional, else global (and says whether even that
// met `min_count`).
import { z } from "zod";
import { type Constraints, constraintsSchema } from "../security/constraints.ts";
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
 * A shard's answer to one query as it sends it: per tier, how many matched; and every
 * match among some tier's best (the union: at most 3 x limit, usually `limit`), best
 * first, in columns: a few arrays of numbers and strings serialise at about half the
 * cost of an object per match (and the Worker makes no object for the matches it does
 * not answer with). The entry goes as the answer shows it (entryView), as JSON text made
 * once per entry. A match's tier is its own (the narrowest it is in): a match among the
 * best of a tier is among the best of every narrower tier it is in (fewer compete), so
 * the matches of tier t and narrower in the union hold the best of tier t.
 */
export type WireAnswer = {
  /** Matches per tier (local, regional, global). */
  counts: number[];
  ids: string[];
  /** FIGURES numbers per match: tier, score, then its parts capability, health, load, locality. */
  figures: number[];
  views: string[];
};
const FIGURES = 6;

export const EMPTY_WIRE_ANSWER: WireAnswer = { counts: [0, 0, 0], ids: [], figures: [], views: [] };

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

/** Where the next match of tier `chosen` or narrower is in `answer`, from `from` on (its ids' length when none is left). */
const nextOf = (answer: WireAnswer, chosen: number, from: number): number => {
  let j = from;
  while (j < answer.ids.length && answer.figures[j * FIGURES]! > chosen) j++;
  return j;
};

type Decided<I> = Omit<DiscoveryAnswer, "items"> & { items: I[] };

/** Picks the tier and merges the shards' best of it (each sent best first: merged, not sorted), each item made by `item` from its shard's answer and row. */
const merge = <I>(
  answers: readonly WireAnswer[],
  query: Pick<DiscoveryQuery, "strategy" | "min_count" | "limit">,
  near: Near,
  item: (answer: WireAnswer, j: number) => I,
): Decided<I> => {
  const counts = TIERS.map((_, t) => answers.reduce((sum, answer) => sum + (answer.counts[t] ?? 0), 0));
  const enough = counts.findIndex((count) => count >= query.min_count);
  const chosen = query.strategy === "adaptive" ? (enough === -1 ? TIERS.length - 1 : enough) : TIERS.indexOf(query.strategy);
  const heads = answers.map((answer) => nextOf(answer, chosen, 0));
  const items: I[] = [];
  while (items.length < query.limit) {
    // The best head by byScore: higher score, then lower id.
    let pick = -1;
    for (let k = 0; k < answers.length; k++) {
      const j = heads[k]!;
      const answer = answers[k]!;
      if (j >= answer.ids.length) continue;
      if (pick === -1) {
        pick = k;
        continue;
      }
      const best = answers[pick]!;
      const i = heads[pick]!;
      const score = answer.figures[j * FIGURES + 1]!;
      const bestScore = best.figures[i * FIGURES + 1]!;
      if (score > bestScore || (score === bestScore && answer.ids[j]! < best.ids[i]!)) pick = k;
    }
    if (pick === -1) break;
    const answer = answers[pick]!;
    const j = heads[pick]!;
    items.push(item(answer, j));
    heads[pick] = nextOf(answer, chosen, j + 1);
  }
  const matched = counts[chosen] ?? 0;
  return {
    strategy: query.strategy,
    tier: TIERS[chosen] ?? "global",
    near,
    min_count: query.min_count,
    matched,
    satisfied: matched >= query.min_count,
    counts: { local: counts[0] ?? 0, regional: counts[1] ?? 0, global: counts[2] ?? 0 },
    items,
  };
};

/** The answer over the shards' answers, its matches' entries parsed (what a run binding reads). */
export const decide = (answers: readonly WireAnswer[], query: Pick<DiscoveryQuery, "strategy" | "min_count" | "limit">, near: Near): DiscoveryAnswer =>
  merge(answers, query, near, (answer, j) => {
    const f = answer.figures;
    const at = j * FIGURES;
    return {
      agent: JSON.parse(answer.views[j]!) as EntryView,
      score: f[at + 1]!,
      parts: { capability: f[at + 2]!, health: f[at + 3]!, load: f[at + 4]!, locality: f[at + 5]! },
    };
  });

/**
 * `JSON.stringify(decide(answers, query, near))`, made from the entries' texts as the
 * shards sent them (none parsed and written again): what `POST /v1/discovery/query`
 * answers. Numbers are written as JSON.stringify writes them (scores are finite).
 */
export const decideText = (answers: readonly WireAnswer[], query: Pick<DiscoveryQuery, "strategy" | "min_count" | "limit">, near: Near): string => {
  const { items, ...rest } = merge(answers, query, near, (answer, j) => {
    const f = answer.figures;
    const at = j * FIGURES;
    return `{"agent":${answer.views[j]!},"score":${f[at + 1]!},"parts":{"capability":${f[at + 2]!},"health":${f[at + 3]!},"load":${f[at + 4]!},"locality":${f[at + 5]!}}}`;
  });
  // `items` is the answer's last field.
  return `${JSON.stringify(rest).slice(0, -1)},"items":[${items.join(",")}]}`;
};
