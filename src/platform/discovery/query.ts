// `POST /v1/discovery/query`: the request, what each directory shard is asked and the
// form of its answer, and the answer's shape. Each shard scores its matches and answers,
// per tier (local, regional, global; each contains the one before), how many matched and
// its best `limit` (shard-answer.ts). The Worker adds the counts and merges the best of
// the tier the strategy picks (decide.ts). `adaptive` widens as the seed's
// `discover_adaptive` does: local if it has `min_count` matches, else regional, else
// global (and says whether even that met `min_count`).
import { z } from "zod";
import { constraintsSchema } from "../security/constraints.ts";
import type { EntryView } from "./entry.ts";
import { JURISDICTIONS, LOCATION_HINTS } from "./placement.ts";
import { capabilityRequirementSchema, type Near, type ScoreParts } from "./score.ts";

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
export const FIGURES = 6;

export const EMPTY_WIRE_ANSWER: WireAnswer = { counts: [0, 0, 0], ids: [], figures: [], views: [] };

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
