// Why: runs must not all bind the same top agent (one object serves about 1,000
// requests a second), and a run whose agent cannot take a step should have somewhere
// else to go. From the ranked candidates discovery answers for a role, a run takes
// `count` of them by a score-weighted random pick among the best few, and keeps the
// rest (ranked, bounded) as spares to rebind to. Pure: randomness is injected.
import type { ScoreParts } from "../discovery/score.ts";

/** Spares kept per role for rebinding. */
export const MAX_SPARES = 8;

/** No candidate weighs less than this, so a zero score is still possible, only unlikely. */
const MIN_WEIGHT = 0.01;

/** How a role's agent came to be bound: discovered, named in the definition, spawned for the run, or rebound to from the spares. */
export type BindingSource = "discovered" | "explicit" | "spawned" | "rebound";

/** One agent bound to (or kept spare for) a role, with why: its discovery score and parts (null when not discovered). */
export type BoundAgent = { id: string; how: BindingSource; score: number | null; parts: ScoreParts | null };

export type RoleBinding = { agents: BoundAgent[]; spares: BoundAgent[] };

export type Candidate = { id: string; score: number; parts: ScoreParts };

/** How many of the best candidates the pick draws `count` from. */
export const poolSize = (count: number): number => count * 2 + 2;

/** How many ranked candidates to ask discovery for: the pool and the spares. */
export const candidateLimit = (count: number): number => Math.min(100, poolSize(count) + MAX_SPARES);

/**
 * The best `poolSize(count)` candidates, and those tied with the last of them: agents
 * that score alike (the same load and health, as idle agents do) share the runs, rather
 * than the first few by id taking them all.
 */
export const poolOf = <C extends { score: number }>(ranked: readonly C[], count: number): C[] => {
  let end = Math.min(ranked.length, poolSize(count));
  const last = ranked[end - 1]?.score;
  while (end < ranked.length && ranked[end]!.score === last) end++;
  return ranked.slice(0, end);
};

/**
 * Takes `count` candidates (all, if fewer) from the best `poolSize(count)` (with those
 * tied with the last of them: poolOf), each draw
 * weighted by score, without replacement; the spares are the other candidates, best
 * first, at most MAX_SPARES. `candidates` come best first.
 */
export const pickAgents = (candidates: readonly Candidate[], count: number, random: () => number): RoleBinding => {
  const seen = new Set<string>();
  const ranked = candidates.filter((c) => !seen.has(c.id) && seen.add(c.id));
  const pool = poolOf(ranked, count);
  const chosen: Candidate[] = [];
  while (chosen.length < count && pool.length > 0) {
    const weights = pool.map((c) => Math.max(c.score, MIN_WEIGHT));
    const total = weights.reduce((sum, w) => sum + w, 0);
    let at = Math.min(Math.max(random(), 0), 1 - Number.EPSILON) * total;
    let index = 0;
    while (index < pool.length - 1 && at >= weights[index]!) at -= weights[index++]!;
    chosen.push(...pool.splice(index, 1));
  }
  const taken = new Set(chosen.map((c) => c.id));
  const bound = (c: Candidate): BoundAgent => ({ id: c.id, how: "discovered", score: c.score, parts: c.parts });
  return { agents: chosen.map(bound), spares: ranked.filter((c) => !taken.has(c.id)).slice(0, MAX_SPARES).map(bound) };
};

/** Agents bound without discovery (named in the definition, or spawned): no score. */
export const fixedBinding = (ids: readonly string[], how: "explicit" | "spawned"): RoleBinding => ({
  agents: ids.map((id) => ({ id, how, score: null, parts: null })),
  spares: [],
});

export type Rebind = { bindings: string[]; binding: RoleBinding; to: BoundAgent };

/**
 * Rebinds a role away from `from` (an agent that proved it did not execute a call): the
 * best spare takes its place (same position, so the role's other steps keep their
 * spread), and leaves the spares. Null when no spare is left or `from` is not bound.
 */
export const rebindRole = (bindings: readonly string[], binding: RoleBinding, from: string): Rebind | null => {
  const at = bindings.indexOf(from);
  const spare = binding.spares.find((s) => !bindings.includes(s.id));
  if (at === -1 || spare === undefined) return null;
  const to: BoundAgent = { ...spare, how: "rebound" };
  const next = bindings.map((id, i) => (i === at ? to.id : id));
  const agents = binding.agents.some((a) => a.id === from) ? binding.agents.map((a) => (a.id === from ? to : a)) : [...binding.agents, to];
  return { bindings: next, binding: { agents, spares: binding.spares.filter((s) => s.id !== spare.id) }, to };
};
