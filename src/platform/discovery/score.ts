// The seed's `match_capabilities(required, provided)`: an agent matches when the hard
// constraints hold and it provides some of what is required (score > 0). Its score
// counts, in this order of weight, how much of the requirement it provides, its health
// (breaker state, error rate), its load, and its locality to the caller. Every part is
// in [0, 1]; the total is their weighted sum, also in [0, 1].
import { z } from "zod";
import { checkConstraints, type Constraints } from "../security/constraints.ts";
import type { DirectoryEntry } from "./entry.ts";
import { type Jurisdiction, jurisdictionOf, type LocationHint, regionOf } from "./placement.ts";

const scalar = z.union([z.string().max(200), z.number(), z.boolean()]);

/**
 * A capability requirement: a name the agent's type declares (`"processing"`), or a
 * name with the values wanted of it (`{name: "processing", values: ["orders", "refunds"]}`:
 * the type's value, or each member of its list, is compared).
 */
export const capabilityRequirementSchema = z.union([
  z.string().min(1).max(64),
  z.strictObject({ name: z.string().min(1).max(64), values: z.array(scalar).min(1).max(32).optional() }),
]);
export type CapabilityRequirement = z.output<typeof capabilityRequirementSchema>;

export const WEIGHTS = { capability: 0.4, health: 0.3, load: 0.2, locality: 0.1 } as const;

export type ScoreParts = { capability: number; health: number; load: number; locality: number };
export type Scored = { entry: DirectoryEntry; score: number; parts: ScoreParts };

/** Where the caller is, for locality: the tiers of discovery are built on it. */
export type Near = { locationHint: LocationHint | null; jurisdiction: Jurisdiction | null };

const round = (n: number): number => Math.round(n * 1e4) / 1e4;

/** The fraction of the requirement the capabilities provide (0: none, the agent does not match). */
export const capabilityScore = (required: CapabilityRequirement | undefined, provided: Record<string, unknown>): number => {
  if (required === undefined) return 1;
  const name = typeof required === "string" ? required : required.name;
  if (!Object.hasOwn(provided, name)) return 0;
  const has = provided[name];
  if (has === false || has === null) return 0;
  const values = typeof required === "string" ? undefined : required.values;
  if (values === undefined) return 1;
  const offered = Array.isArray(has) ? has : [has];
  return values.filter((wanted) => offered.some((value) => value === wanted)).length / values.length;
};

/** What constraints are checked against: the labels, and the load figures (camel case, never a label name). */
export const constraintContext = (entry: DirectoryEntry): Record<string, unknown> => ({
  ...entry.labels,
  inFlight: entry.load.inFlight,
  queueLength: entry.load.queueLength,
  errorRate: entry.load.errorRate,
  ...(entry.load.p50Ms === null ? {} : { p50Ms: entry.load.p50Ms }),
});

export const healthScore = (entry: DirectoryEntry): number => {
  const breaker = entry.breaker === "closed" ? 1 : entry.breaker === "half_open" ? 0.5 : 0;
  return breaker * (1 - entry.load.errorRate);
};

/** 1 when idle, halving with each call running or waiting. */
export const loadScore = (entry: DirectoryEntry): number => 1 / (1 + entry.load.inFlight + entry.load.queueLength);

/** The tier an agent is in as seen from `near`: 0 local, 1 regional, 2 global. */
export const tierOf = (entry: DirectoryEntry, near: Near): 0 | 1 | 2 => {
  const hint = entry.placement.locationHint;
  if (near.locationHint !== null && hint === near.locationHint) return 0;
  const jurisdiction = entry.placement.jurisdiction ?? (hint === null ? null : jurisdictionOf(hint));
  if (near.jurisdiction !== null && jurisdiction === near.jurisdiction) return 1;
  if (near.locationHint !== null && hint !== null && regionOf(hint) === regionOf(near.locationHint)) return 1;
  return 2;
};

/** Same location 1, same region or jurisdiction 0.5, elsewhere (or no location to compare) 0. */
export const localityScore = (entry: DirectoryEntry, near: Near): number => [1, 0.5, 0][tierOf(entry, near)] ?? 0;

/** `types`: any of these (a workflow role bound by capability names the deployed types that provide it). */
export type MatchRequest = { type?: string | undefined; types?: readonly string[] | undefined; capability?: CapabilityRequirement | undefined; constraints: Constraints };

/**
 * Scores one entry, or null when it does not match: not running, another type, a
 * constraint fails, or it provides none of the requirement.
 */
export const matchEntry = (entry: DirectoryEntry, request: MatchRequest, near: Near): Scored | null => {
  if (entry.status !== "running") return null;
  if (request.type !== undefined && entry.type !== request.type) return null;
  if (request.types !== undefined && !request.types.includes(entry.type)) return null;
  if (!checkConstraints(request.constraints, constraintContext(entry)).ok) return null;
  const capability = capabilityScore(request.capability, entry.capabilities);
  if (capability <= 0) return null;
  const parts = { capability: round(capability), health: round(healthScore(entry)), load: round(loadScore(entry)), locality: localityScore(entry, near) };
  const score = round(
    WEIGHTS.capability * parts.capability + WEIGHTS.health * parts.health + WEIGHTS.load * parts.load + WEIGHTS.locality * parts.locality,
  );
  return { entry, score, parts };
};

/** Best first; equal scores by id, so an answer is stable. */
export const byScore = (a: Scored, b: Scored): number => b.score - a.score || (a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0);
