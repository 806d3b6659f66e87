import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type DirectoryEntry, entryView } from "./entry.ts";
import type { Jurisdiction, LocationHint } from "./placement.ts";
import { decide, decideText } from "./decide.ts";
import { discoveryQuerySchema, STRATEGIES, TIERS } from "./query.ts";
import { answerShard, toWire } from "./shard-answer.ts";
import { byScore, matchEntry, type Near, tierOf } from "./score.ts";
import { entry } from "./entry-fixture.ts";
import { createRunningSet } from "./running-set.ts";

const near: Near = { locationHint: "weur", jurisdiction: null };
const shardQuery = { constraints: {}, limit: 10, near };
/** One shard's entries as its running set hands them to answerShard. */
const held = (entries: readonly DirectoryEntry[]) => createRunningSet(entries).candidates([], {}).groups;
const placed = (id: string, locationHint: LocationHint | null): DirectoryEntry => entry({ id, placement: { locationHint, jurisdiction: null } });

describe("adaptive discovery", () => {
  const shards = [
    toWire(answerShard(held([placed("a", "weur"), placed("b", "eeur")]), shardQuery)),
    toWire(answerShard(held([placed("c", "eeur"), placed("d", "enam"), placed("e", null)]), shardQuery)),
  ];

  it("stays local when the local tier has min_count matches", () => {
    const answer = decide(shards, { strategy: "adaptive", min_count: 1, limit: 10 }, near);
    expect(answer).toMatchObject({ tier: "local", matched: 1, satisfied: true, counts: { local: 1, regional: 3, global: 5 } });
    expect(answer.items.map((item) => item.agent.id)).toEqual(["a"]);
    // Sent as JSON text, each answered entry is the entry as the shard holds it.
    expect(answer.items[0]?.agent).toEqual(entryView(placed("a", "weur")));
  });

  it("widens to regional, then global, until min_count is met", () => {
    expect(decide(shards, { strategy: "adaptive", min_count: 2, limit: 10 }, near)).toMatchObject({ tier: "regional", matched: 3, satisfied: true });
    const global = decide(shards, { strategy: "adaptive", min_count: 4, limit: 10 }, near);
    expect(global).toMatchObject({ tier: "global", matched: 5, satisfied: true });
    expect(global.items[0]?.agent.id).toBe("a");
  });

  it("says when even the global tier does not meet min_count", () => {
    expect(decide(shards, { strategy: "adaptive", min_count: 6, limit: 10 }, near)).toMatchObject({ strategy: "adaptive", tier: "global", matched: 5, satisfied: false });
  });

  it("keeps a fixed strategy's tier, satisfied or not", () => {
    expect(decide(shards, { strategy: "local", min_count: 2, limit: 10 }, near)).toMatchObject({ tier: "local", matched: 1, satisfied: false });
    expect(decide(shards, { strategy: "global", min_count: 1, limit: 2 }, near).items).toHaveLength(2);
  });

  it("picks the narrowest tier with enough matches, and merging shards equals one shard over everything", () => {
    const hints = fc.constantFrom<LocationHint | null>(null, "weur", "eeur", "enam", "apac");
    fc.assert(
      fc.property(fc.array(fc.array(hints, { maxLength: 6 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 10 }), (layout, min) => {
        let n = 0;
        const perShard = layout.map((shard) => shard.map((hint) => placed(`x${n++}`, hint)));
        const answer = decide(perShard.map((entries) => toWire(answerShard(held(entries), { ...shardQuery, limit: 30 }))), { strategy: "adaptive", min_count: min, limit: 30 }, near);
        const whole = decide([toWire(answerShard(held(perShard.flat()), { ...shardQuery, limit: 30 }))], { strategy: "adaptive", min_count: min, limit: 30 }, near);
        expect(answer).toEqual(whole);
        const counts = TIERS.map((tier) => answer.counts[tier]);
        expect(counts[0]! <= counts[1]! && counts[1]! <= counts[2]!).toBe(true);
        const narrowest = counts.findIndex((count) => count >= min);
        expect(answer.tier).toBe(TIERS[narrowest === -1 ? 2 : narrowest]);
      }),
    );
  });
});

describe("the Worker's answer over the shards' compact answers", () => {
  it("equals the reference: matchEntry over every shard's entries, the chosen tier sorted in full, its first `limit` (property)", () => {
    const agent = fc.record({
      inFlight: fc.integer({ min: 0, max: 2 }),
      hint: fc.constantFrom<LocationHint | null>(null, "weur", "eeur", "enam", "apac"),
      jurisdiction: fc.constantFrom<Jurisdiction | null>(null, null, "eu"),
      open: fc.boolean(),
      // Texts JSON escapes (quotes, backslashes, line separators, lone surrogates): the route's answer text carries them as the shards wrote them.
      note: fc.oneof(fc.string(), fc.constantFrom('"\\', "é\u2028\ud800", "\u0000<>")),
    });
    const nears = fc.constantFrom<Near>(near, { locationHint: null, jurisdiction: "eu" }, { locationHint: "enam", jurisdiction: null }, { locationHint: null, jurisdiction: null });
    fc.assert(
      fc.property(fc.array(fc.array(agent, { maxLength: 12 }), { minLength: 1, maxLength: 4 }), nears, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 12 }), fc.constantFrom(...STRATEGIES), (layout, at, limit, min, strategy) => {
        let n = 0;
        // Ids out of the order entries are scored in, so that ties in score are ranked by id across shards.
        const perShard = layout.map((shard) => shard.map((a) => entry({
          id: `x${(n++ * 7) % 53}`, breaker: a.open ? "half_open" : "closed", labels: { note: a.note }, capabilities: { say: [a.note, 1.5e-7, 1e21] },
          placement: { locationHint: a.hint, jurisdiction: a.jurisdiction },
          load: { inFlight: a.inFlight, queueLength: 0, errorRate: 0, p50Ms: null, windowCalls: 0 },
        })));
        const query = { constraints: {}, limit, near: at };
        const wires = perShard.map((entries) => toWire(answerShard(held(entries), query)));
        const answer = decide(wires, { strategy, min_count: min, limit }, at);
        // What the route answers: the same answer as JSON text, made without parsing the entries.
        expect(decideText(wires, { strategy, min_count: min, limit }, at)).toBe(JSON.stringify(answer));
        const matches = perShard.flat().flatMap((e) => matchEntry(e, query, at) ?? []);
        const counts = TIERS.map((_, t) => matches.filter((m) => tierOf(m.entry, at) <= t).length);
        const enough = counts.findIndex((count) => count >= min);
        const chosen = strategy === "adaptive" ? (enough === -1 ? 2 : enough) : TIERS.indexOf(strategy);
        const best = matches.filter((m) => tierOf(m.entry, at) <= chosen).sort(byScore).slice(0, limit);
        expect(answer).toEqual({
          strategy, tier: TIERS[chosen], near: at, min_count: min, matched: counts[chosen], satisfied: counts[chosen]! >= min,
          counts: { local: counts[0], regional: counts[1], global: counts[2] },
          items: best.map((m) => ({ agent: entryView(m.entry), score: m.score, parts: m.parts })),
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe("a shard's best matches", () => {
  it("are the best `limit` of all its matches by score, ties by id, per tier (as sorting them all would give)", () => {
    const loads = fc.record({ id: fc.string({ minLength: 1, maxLength: 3 }), inFlight: fc.integer({ min: 0, max: 3 }), hint: fc.constantFrom<LocationHint | null>(null, "weur", "eeur", "enam") });
    fc.assert(
      fc.property(fc.uniqueArray(loads, { selector: (l) => l.id, maxLength: 40 }), fc.integer({ min: 1, max: 12 }), (agents, limit) => {
        const entries = agents.map((a) => entry({ id: a.id, placement: { locationHint: a.hint, jurisdiction: null }, load: { inFlight: a.inFlight, queueLength: 0, errorRate: 0, p50Ms: null, windowCalls: 0 } }));
        const answer = answerShard(held(entries), { ...shardQuery, limit });
        const all = answerShard(held(entries), { ...shardQuery, limit: 1_000 });
        for (const [t, tier] of answer.tiers.entries()) {
          expect(tier.count).toBe(all.tiers[t]!.count);
          expect(tier.best.map((s) => s.entry.id)).toEqual(all.tiers[t]!.best.slice(0, limit).map((s) => s.entry.id));
          expect(all.tiers[t]!.best).toEqual([...all.tiers[t]!.best].sort(byScore));
        }
      }),
    );
  });
});

describe("the query schema", () => {
  it("takes the documented input with defaults and refuses unknown strategies and fields", () => {
    expect(discoveryQuerySchema.parse({ capability: "processing" })).toMatchObject({ constraints: {}, min_count: 1, strategy: "adaptive", limit: 10 });
    expect(discoveryQuerySchema.safeParse({ strategy: "cluster" }).success).toBe(false);
    expect(discoveryQuerySchema.safeParse({ capability: { name: "x", extra: 1 } }).success).toBe(false);
    expect(discoveryQuerySchema.safeParse({ constraints: { region: { min: "a" } } }).success).toBe(false);
  });
});
