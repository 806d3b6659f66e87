// The pick that spreads runs over a role's candidates, the spares it keeps, and rebinding
// to them: properties over arbitrary ranked candidates, and the spread itself.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Candidate, fixedBinding, MAX_SPARES, pickAgents, poolOf, poolSize, rebindRole, type RoleBinding } from "./binding.ts";

const parts = { capability: 1, health: 1, load: 1, locality: 0 };
const candidate = (id: string, score: number): Candidate => ({ id, score, parts });

/** Best first, unique ids, as discovery answers them. */
const rankedCandidates = fc
  .uniqueArray(fc.record({ id: fc.stringMatching(/^[a-z]{1,6}$/), score: fc.double({ min: 0, max: 1, noNaN: true }) }), { selector: (c) => c.id, maxLength: 40 })
  .map((cs) => cs.map((c) => candidate(c.id, c.score)).sort((a, b) => b.score - a.score));

/** A random source that replays fast-check's draws. */
const draws = fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { minLength: 1, maxLength: 20 }).map((values) => {
  let i = 0;
  return () => values[i++ % values.length]!;
});

describe("pickAgents", () => {
  it("takes min(count, candidates) distinct agents from the best pool; the spares are the rest, ranked, at most MAX_SPARES", () => {
    fc.assert(
      fc.property(rankedCandidates, fc.integer({ min: 1, max: 16 }), draws, (candidates, count, random) => {
        const { agents, spares } = pickAgents(candidates, count, random);
        const chosen = agents.map((a) => a.id);
        expect(chosen).toHaveLength(Math.min(count, candidates.length));
        expect(new Set(chosen).size).toBe(chosen.length);
        const pool = poolOf(candidates, count).map((c) => c.id);
        expect(pool.slice(0, poolSize(count))).toEqual(candidates.slice(0, poolSize(count)).map((c) => c.id));
        for (const id of chosen) expect(pool).toContain(id);
        const rest = candidates.map((c) => c.id).filter((id) => !chosen.includes(id));
        expect(spares.map((s) => s.id)).toEqual(rest.slice(0, MAX_SPARES));
        for (const bound of [...agents, ...spares]) {
          const source = candidates.find((c) => c.id === bound.id)!;
          expect(bound).toEqual({ id: source.id, how: "discovered", score: source.score, parts });
        }
      }),
    );
  });

  it("spreads runs over the best candidates in proportion to their scores, instead of always the top one", () => {
    const candidates = [candidate("a", 0.8), candidate("b", 0.8), candidate("c", 0.4), candidate("d", 0.4), candidate("e", 0.39)];
    const counts: Record<string, number> = {};
    // Evenly spread draws: each agent's share of picks is its share of the pool's weight.
    for (let i = 0; i < 1_200; i++) {
      const { agents } = pickAgents(candidates, 1, () => (i + 0.5) / 1_200);
      counts[agents[0]!.id] = (counts[agents[0]!.id] ?? 0) + 1;
    }
    // The pool of one pick is the best 4: e is only a spare.
    expect(counts).toEqual({ a: 400, b: 400, c: 200, d: 200 });
  });

  it("spreads runs over every candidate tied with the pool's last, not only the first few by id", () => {
    const alike = Array.from({ length: 14 }, (_, i) => candidate(`p${String(i).padStart(2, "0")}`, 0.9));
    expect(poolOf([candidate("best", 1), ...alike], 2)).toHaveLength(15);
    expect(poolOf([...alike.slice(0, 6), candidate("worse", 0.5), ...alike.slice(6).map((c) => ({ ...c, score: 0.5 }))], 2)).toHaveLength(6);
    const seen = new Set<string>();
    let n = 0;
    const random = () => (n++ % 97) / 97;
    for (let run = 0; run < 500; run++) for (const agent of pickAgents(alike, 2, random).agents) seen.add(agent.id);
    expect(seen.size).toBe(14);
  });

  it("keeps a zero score possible (only unlikely), and answers nothing from no candidates", () => {
    const { agents } = pickAgents([candidate("a", 0), candidate("b", 0)], 1, () => 0.99);
    expect(agents.map((a) => a.id)).toEqual(["b"]);
    expect(pickAgents([], 2, Math.random)).toEqual({ agents: [], spares: [] });
  });

  it("never answers an id twice, even when discovery listed it twice", () => {
    const { agents, spares } = pickAgents([candidate("a", 0.9), candidate("a", 0.9), candidate("b", 0.5)], 2, () => 0);
    expect([...agents, ...spares].map((a) => a.id).sort()).toEqual(["a", "b"]);
  });
});

describe("rebindRole", () => {
  const binding = (agents: string[], spares: string[]): RoleBinding => ({
    agents: agents.map((id) => ({ id, how: "discovered", score: 0.9, parts })),
    spares: spares.map((id, i) => ({ id, how: "discovered", score: 0.8 - i / 10, parts })),
  });

  it("puts the best spare in the failed agent's place and takes it out of the spares", () => {
    const rebound = rebindRole(["a", "b"], binding(["a", "b"], ["c", "d"]), "a");
    expect(rebound?.bindings).toEqual(["c", "b"]);
    expect(rebound?.to).toEqual({ id: "c", how: "rebound", score: 0.8, parts });
    expect(rebound?.binding.agents.map((a) => a.id)).toEqual(["c", "b"]);
    expect(rebound?.binding.spares.map((s) => s.id)).toEqual(["d"]);
  });

  it("answers null with no spare left, or when the agent is not bound", () => {
    expect(rebindRole(["a"], binding(["a"], []), "a")).toBeNull();
    expect(rebindRole(["a"], fixedBinding(["a"], "explicit"), "a")).toBeNull();
    expect(rebindRole(["a"], binding(["a"], ["c"]), "z")).toBeNull();
  });

  it("never binds an agent twice, however many times the role is rebound", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (count, spareCount, failures) => {
        const agents = Array.from({ length: count }, (_, i) => `a${i}`);
        let bindings = agents;
        let current = binding(agents, Array.from({ length: spareCount }, (_, i) => `s${i}`));
        let rebinds = 0;
        for (const f of failures) {
          const next = rebindRole(bindings, current, bindings[f % bindings.length]!);
          if (!next) break;
          bindings = next.bindings;
          current = next.binding;
          rebinds++;
        }
        expect(new Set(bindings).size).toBe(count);
        expect(current.spares.some((s) => bindings.includes(s.id))).toBe(false);
        expect(rebinds).toBeLessThanOrEqual(spareCount);
      }),
    );
  });
});
