import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkConstraints, type Constraints } from "../security/constraints.ts";
import type { DirectoryEntry } from "./entry.ts";
import { entry } from "./entry-fixture.ts";
import { constraintPredicate } from "./fast-match.ts";
import type { Jurisdiction, LocationHint } from "./placement.ts";
import { TIERS } from "./query.ts";
import { answerShard, type ShardAnswer } from "./shard-answer.ts";
import { byScore, matchEntry, type Near, tierOf } from "./score.ts";
import { createRunningSet } from "./running-set.ts";

// The reference: every entry matched by matchEntry, every tier's matches sorted in full.
const reference = (entries: readonly DirectoryEntry[], query: Parameters<typeof answerShard>[1]): ShardAnswer => {
  const tiers = TIERS.map(() => ({ count: 0, best: [] as NonNullable<ReturnType<typeof matchEntry>>[] }));
  for (const e of entries) {
    const scored = matchEntry(e, query, query.near);
    if (!scored) continue;
    for (let t = tierOf(e, query.near); t < TIERS.length; t++) tiers[t]!.best.push(scored);
  }
  return { tiers: tiers.map((tier) => ({ count: tier.best.length, best: tier.best.sort(byScore).slice(0, query.limit) })) };
};

const labelValue = fc.constantFrom("us", "eu", "gold", "silver", "z1");
// "constructor": a label name (lower case) that is also an inherited property of every object.
const labelKey = fc.constantFrom("region", "tier", "zone", "constructor");
const constraint = fc.oneof(
  labelValue,
  fc.array(fc.oneof(labelValue, fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 3 }),
  fc.integer({ min: 0, max: 3 }),
  fc.boolean(),
  fc.record({ min: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ max: fc.integer({ min: 0, max: 3 }) }),
);
const constraintKey = fc.oneof(labelKey, fc.constantFrom("inFlight", "queueLength", "errorRate", "p50Ms", "maxInFlight", "minQueueLength", "maxP50Ms", "max", "constructor", "maxConstructor"));
const constraints: fc.Arbitrary<Constraints> = fc.dictionary(constraintKey, constraint, { maxKeys: 3 });

const agent = fc.record({
  type: fc.constantFrom("t1", "t2", "t3"),
  status: fc.constantFrom("running", "running", "running", "paused", "stopped"),
  labels: fc.dictionary(labelKey, labelValue, { maxKeys: 3 }),
  inFlight: fc.integer({ min: 0, max: 3 }),
  queueLength: fc.integer({ min: 0, max: 2 }),
  p50Ms: fc.option(fc.integer({ min: 0, max: 3 })),
  breaker: fc.constantFrom("closed", "open", "half_open"),
  hint: fc.constantFrom<LocationHint | null>(null, "weur", "eeur", "enam", "wnam"),
  jurisdiction: fc.constantFrom<Jurisdiction | null>(null, null, "eu", "fedramp"),
  errorRate: fc.constantFrom(0, 0, 0.25, 1 / 3),
  capabilities: fc.constantFrom({}, { processing: ["orders"] }, { processing: "refunds" }, { processing: false }),
});


describe("the compiled constraints", () => {
  it("hold exactly when checkConstraints says ok (property)", () => {
    const figures = fc.record({ inFlight: fc.integer({ min: 0, max: 3 }), queueLength: fc.integer({ min: 0, max: 3 }) });
    const other = fc.dictionary(constraintKey, fc.oneof(labelValue, fc.integer({ min: 0, max: 3 }), fc.boolean()), { maxKeys: 5 });
    const context = fc.tuple(other, figures).map(([rest, load]) => ({ ...rest, ...load }));
    fc.assert(fc.property(constraints, context, (c, ctx) => {
      expect(constraintPredicate(c)(ctx)).toBe(checkConstraints(c, ctx).ok);
    }), { numRuns: 2_000 });
  });
});

describe("a shard's candidates", () => {
  it("skip a label constraint only when the index chose the entries by it", () => {
    const near: Near = { locationHint: null, jurisdiction: null };
    const set = createRunningSet([
      entry({ id: "a", type: "t1", labels: { region: "us", tier: "gold" } }),
      entry({ id: "b", type: "t1", labels: { region: "eu", tier: "gold" } }),
      ...["c", "d", "e"].map((id) => entry({ id, type: "t2", labels: { region: "us", tier: "silver" } })),
    ]);
    const ids = (types: string[], constraints: Constraints): string[] => {
      const { groups, meets } = set.candidates(types, constraints);
      return answerShard(groups, { ...(types.length ? { types } : {}), constraints, limit: 10, near }, meets).tiers[2]!.best.map((s) => s.entry.id);
    };
    // The type's 2 entries are fewer than region us's 4: region is still checked.
    expect(ids(["t1"], { region: "us" })).toEqual(["a"]);
    // Chosen by tier gold (2 entries), region checked; chosen by region (4 of 5), tier checked.
    expect(ids([], { region: "us", tier: "gold" })).toEqual(["a"]);
    expect(ids([], { tier: ["gold", "silver"], region: "eu" })).toEqual(["b"]);
    expect(set.candidates([], { region: ["us", "eu"] }).meets).toBe("region");
  });
});

/** Ids whose order is not the order entries are taken in (a tie in score is ranked by id). */
const idOf = (i: number): string => `a${(i * 37) % 61}`;

describe("a shard's answer from its indexed running entries", () => {
  it("equals the reference: matchEntry over every entry, each tier sorted in full, after every round of changes (property)", () => {
    const query = fc.record({
      // Half the queries leave each filter out, so that many entries match and a tier's best fills up (ties at its end included).
      types: fc.option(fc.subarray(["t1", "t2", "t3"], { minLength: 1 }), { freq: 1 }),
      type: fc.option(fc.constantFrom("t1", "t2"), { freq: 1 }),
      capability: fc.option(fc.constantFrom("processing", { name: "processing", values: ["orders", "refunds"] }), { freq: 1 }),
      constraints: fc.oneof(fc.constant({}), constraints),
      limit: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 100 })),
      near: fc.constantFrom<Near>(
        { locationHint: null, jurisdiction: null },
        { locationHint: "weur", jurisdiction: null },
        { locationHint: null, jurisdiction: "eu" },
        { locationHint: "enam", jurisdiction: "fedramp" },
      ),
    });
    // Between queries: registrations of held and new ids (moving entries between types, labels, statuses and scan places) and deletions.
    const change = fc.oneof(fc.tuple(fc.nat(149), agent), fc.nat(149));
    const round = fc.record({ changes: fc.array(change, { maxLength: 12 }), query });
    fc.assert(
      fc.property(fc.array(agent, { maxLength: 120 }), fc.array(round, { minLength: 1, maxLength: 3 }), (agents, rounds) => {
        const made = (a: typeof agents[number], i: number): DirectoryEntry =>
          entry({
            id: idOf(i), type: a.type, status: a.status as DirectoryEntry["status"], labels: a.labels, breaker: a.breaker as DirectoryEntry["breaker"], capabilities: a.capabilities,
            placement: { locationHint: a.hint, jurisdiction: a.jurisdiction },
            load: { inFlight: a.inFlight, queueLength: a.queueLength, errorRate: a.errorRate, p50Ms: a.p50Ms, windowCalls: 0 },
          });
        const set = createRunningSet(agents.map(made));
        const current = new Map(agents.map((a, i) => [idOf(i), made(a, i)]));
        for (const { changes, query: q } of rounds) {
          for (const c of changes) {
            if (typeof c === "number") {
              set.drop(idOf(c));
              current.delete(idOf(c));
            } else {
              const next = made(c[1], c[0]);
              set.put(next);
              current.set(next.id, next);
            }
          }
          const shardQuery = {
            ...(q.types === null ? {} : { types: q.types }),
            ...(q.type === null ? {} : { type: q.type }),
            ...(q.capability === null ? {} : { capability: q.capability }),
            constraints: q.constraints, limit: q.limit, near: q.near,
          };
          const types = shardQuery.types ?? (shardQuery.type === undefined ? [] : [shardQuery.type]);
          const { groups, meets } = set.candidates(types, q.constraints);
          expect(answerShard(groups, shardQuery, meets)).toEqual(reference([...current.values()], shardQuery));
        }
      }),
      { numRuns: 400 },
    );
  });

  it("ranks ties by id, counts every match and skips none that fails late in scan order (2,000 tied entries, limits 1..100)", () => {
    // Every entry scores the same (the benchmark's worst case): ids decide, in id order, not in the order taken in.
    const entries = Array.from({ length: 2_000 }, (_, i) =>
      entry({ id: `e${(i * 7919) % 2_000}`, type: "t1", labels: { region: i % 2 === 0 ? "us" : "eu" }, load: { inFlight: i % 1_000 === 999 ? 5 : 0, queueLength: 0, errorRate: 0, p50Ms: null, windowCalls: 0 } }),
    );
    const set = createRunningSet(entries);
    const near: Near = { locationHint: null, jurisdiction: null };
    for (const limit of [1, 2, 10, 99, 100]) {
      const shardQuery = { constraints: { region: ["us", "eu"], inFlight: { max: 1_000 } }, limit, near };
      const { groups, meets } = set.candidates([], shardQuery.constraints);
      expect(answerShard(groups, shardQuery, meets)).toEqual(reference(entries, shardQuery));
      // Entries that fail a constraint late in scan order (the worst load) are neither counted nor answered.
      const strict = { constraints: { region: ["us", "eu"], inFlight: { max: 0 } }, limit, near };
      const picked = set.candidates([], strict.constraints);
      const answer = answerShard(picked.groups, strict, picked.meets);
      expect(answer).toEqual(reference(entries, strict));
      expect(answer.tiers[2]!.count).toBe(1_998);
    }
  });
});
