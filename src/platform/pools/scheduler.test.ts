// Pins the pool's scheduling rules: priority order, aging, head of line, and, as
// properties over random workloads, that capacity is never exceeded, that no request
// starves under a flood of higher-priority work, and that shares follow the weights.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { effectiveLevel, type Fairness, FairQueue, PRIORITIES, type Priority, type Waiter } from "./scheduler.ts";

const AGING = 1_000;
const queue = (fairness: Fairness = "per_requester", weights: Record<string, number> = {}) =>
  new FairQueue({ fairness, agingMs: AGING, weightOf: (r) => weights[r] ?? 1 });

let n = 0;
const w = (requester: string, priority: Priority = "normal", since = 0, units = 1): Waiter => ({ id: `w${n++}`, requester, units, priority, since });

describe("FairQueue", () => {
  it("serves the highest priority first, then by arrival", () => {
    const q = queue("fifo");
    const low = w("a", "low", 0);
    const high = w("a", "high", 5);
    const normal = w("a", "normal", 1);
    [low, high, normal].forEach((x) => q.enqueue(x));
    expect(q.grant(3, 10).map((x) => x.id)).toEqual([high.id, normal.id, low.id]);
  });

  it("lifts a waiter one level per aging period, up to critical", () => {
    expect(effectiveLevel(w("a", "low", 0), 0, AGING)).toBe(0);
    expect(effectiveLevel(w("a", "low", 0), 2 * AGING, AGING)).toBe(2);
    expect(effectiveLevel(w("a", "low", 0), 99 * AGING, AGING)).toBe(3);
    const q = queue("fifo");
    const old = w("a", "low", 0);
    const fresh = w("b", "critical", 3 * AGING);
    q.enqueue(fresh);
    q.enqueue(old);
    // At 3 aging periods the old low request is critical too, and arrived first.
    expect(q.peek(3 * AGING)?.id).toBe(old.id);
    expect(q.peek(3 * AGING - 1)?.id).toBe(fresh.id);
  });

  it("grants nothing behind a head that does not fit (no backfill)", () => {
    const q = queue("fifo");
    const big = w("a", "normal", 0, 5);
    const small = w("b", "normal", 1, 1);
    q.enqueue(big);
    q.enqueue(small);
    expect(q.grant(4, 2)).toEqual([]);
    expect(q.grant(6, 2).map((x) => x.id)).toEqual([big.id, small.id]);
  });

  it("alternates between requesters of equal weight however many one sends", () => {
    const q = queue();
    const flood = Array.from({ length: 10 }, (_, i) => w("a", "normal", i));
    flood.forEach((x) => q.enqueue(x));
    const lone = w("b", "normal", 100);
    q.enqueue(lone);
    const order = q.grant(3, 200).map((x) => x.requester);
    expect(order).toContain("b");
    expect(order.indexOf("b")).toBeLessThanOrEqual(1);
  });

  it("gives an idle requester no credit for the time it was idle", () => {
    const q = queue();
    for (let i = 0; i < 5; i++) q.enqueue(w("a", "normal", i));
    q.grant(5, 10);
    // b arrives after a was served 5 units: both start level, so they alternate.
    for (let i = 0; i < 4; i++) q.enqueue(w("a", "normal", 20 + i));
    for (let i = 0; i < 4; i++) q.enqueue(w("b", "normal", 20 + i));
    const order = q.grant(8, 30).map((x) => x.requester).join("");
    expect(order).not.toMatch(/bbb/);
    expect(order).not.toMatch(/aaa/);
  });

  it("removes waiters and refuses a duplicate id", () => {
    const q = queue();
    const x = w("a");
    q.enqueue(x);
    expect(() => q.enqueue(x)).toThrow(/already queued/);
    expect(q.remove(x.id)).toBe(true);
    expect(q.remove(x.id)).toBe(false);
    expect(q.size).toBe(0);
    expect(q.peek(0)).toBeNull();
  });

  it("refuses a non-positive aging period when built", () => {
    expect(() => new FairQueue({ fairness: "fifo", agingMs: 0, weightOf: () => 1 })).toThrow(/agingMs/);
  });
});

// A discrete-time pool: each tick, expired holds return their units, the queue grants
// what fits, then new requests arrive (refused when the queue is full).
type Hold = { requester: string; units: number; until: number };
type Arrival = { requester: string; units: number; priority: Priority; hold: number };

const simulate = (options: {
  fairness: Fairness;
  capacity: number;
  ticks: number;
  maxWaiters: number;
  weights?: Record<string, number>;
  arrivals: (tick: number, queued: (requester: string) => number) => Arrival[];
  onGrant?: (waiter: Waiter, tick: number) => void;
  check?: (inUse: number) => void;
}) => {
  const q = queue(options.fairness, options.weights);
  const holds: Hold[] = [];
  const queued = new Map<string, number>();
  const holdOf = new Map<string, number>();
  let inUse = 0;
  let id = 0;
  for (let tick = 0; tick < options.ticks; tick++) {
    const now = tick * 10;
    for (let i = holds.length - 1; i >= 0; i--) {
      if (holds[i]!.until <= tick) {
        inUse -= holds[i]!.units;
        holds.splice(i, 1);
      }
    }
    for (const granted of q.grant(options.capacity - inUse, now)) {
      inUse += granted.units;
      options.check?.(inUse);
      holds.push({ requester: granted.requester, units: granted.units, until: tick + holdOf.get(granted.id)! });
      queued.set(granted.requester, (queued.get(granted.requester) ?? 1) - 1);
      options.onGrant?.(granted, tick);
    }
    for (const arrival of options.arrivals(tick, (r) => queued.get(r) ?? 0)) {
      if (q.size >= options.maxWaiters) continue;
      const waiter = { id: `r${id++}`, requester: arrival.requester, units: arrival.units, priority: arrival.priority, since: now };
      holdOf.set(waiter.id, arrival.hold);
      q.enqueue(waiter);
      queued.set(arrival.requester, (queued.get(arrival.requester) ?? 0) + 1);
    }
  }
  return { q, inUse };
};

const priorityArb = fc.constantFrom(...PRIORITIES);

describe("FairQueue properties", () => {
  it("never grants more than the capacity", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Fairness>("fifo", "per_requester"),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.array(fc.record({ requester: fc.constantFrom("a", "b", "c"), units: fc.integer({ min: 1, max: 20 }), priority: priorityArb, hold: fc.integer({ min: 1, max: 8 }) }), { maxLength: 4 }), { minLength: 1, maxLength: 60 }),
        (fairness, capacity, schedule) => {
          simulate({
            fairness,
            capacity,
            ticks: schedule.length + 200,
            maxWaiters: 50,
            arrivals: (tick) => (schedule[tick] ?? []).map((a) => ({ ...a, units: Math.min(a.units, capacity) })),
            check: (inUse) => expect(inUse).toBeLessThanOrEqual(capacity),
          });
        },
      ),
    );
  });

  it("grants every request within a bounded time, even under an endless flood of critical work", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Fairness>("fifo", "per_requester"),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.record({ tick: fc.integer({ min: 0, max: 300 }), units: fc.integer({ min: 1, max: 6 }), priority: priorityArb, requester: fc.constantFrom("b", "c") }), { minLength: 1, maxLength: 10 }),
        (fairness, capacity, victims) => {
          const ticks = 1_000;
          const waits: number[] = [];
          let nextVictim = 0;
          const sorted = [...victims].sort((x, y) => x.tick - y.tick);
          simulate({
            fairness,
            capacity,
            ticks,
            maxWaiters: 40,
            // Requester a keeps about 20 critical requests queued the whole time: far more than the pool serves.
            arrivals: (tick, queued) => {
              const out: Arrival[] = [];
              while (nextVictim < sorted.length && sorted[nextVictim]!.tick === tick) {
                const v = sorted[nextVictim++]!;
                out.push({ requester: v.requester, units: Math.min(v.units, capacity), priority: v.priority, hold: 3 });
              }
              for (let i = queued("a"); i < 20; i++) out.push({ requester: "a", units: 1, priority: "critical", hold: 3 });
              return out;
            },
            onGrant: (waiter, tick) => {
              if (waiter.requester !== "a") waits.push(tick - waiter.since / 10);
            },
          });
          // Aging lifts a victim to critical within 3 aging periods (300 ticks); after that
          // only a bounded number of a's requests can precede it.
          expect(waits).toHaveLength(sorted.length);
          for (const wait of waits) expect(wait).toBeLessThan(3 * 100 + 200);
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);

  it("shares the pool between backlogged requesters by their weights, within 10%", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom("a", "b", "c", "d"), fc.integer({ min: 1, max: 5 }), { minKeys: 2 }),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom<Priority>(...PRIORITIES),
        (weights, capacity, priority) => {
          const requesters = Object.keys(weights);
          const units = new Map<string, number>();
          const warmup = 100;
          simulate({
            fairness: "per_requester",
            capacity,
            ticks: 2_000,
            maxWaiters: 1_000,
            weights,
            // Every requester keeps 10 requests queued: the pool is always overloaded.
            arrivals: (tick, queued) =>
              requesters.flatMap((requester) =>
                Array.from({ length: Math.max(0, 10 - queued(requester)) }, (_, i) => ({ requester, units: Math.min(capacity, 1 + ((tick + i) % 2)), priority, hold: 1 + (i % 3) })),
              ),
            onGrant: (waiter, tick) => {
              if (tick >= warmup) units.set(waiter.requester, (units.get(waiter.requester) ?? 0) + waiter.units);
            },
          });
          const total = [...units.values()].reduce((a, b) => a + b, 0);
          const weightSum = requesters.reduce((a, r) => a + weights[r]!, 0);
          for (const requester of requesters) {
            const expected = weights[requester]! / weightSum;
            const share = (units.get(requester) ?? 0) / total;
            expect(Math.abs(share - expected), `${requester}: ${share} vs ${expected}`).toBeLessThanOrEqual(0.1 * expected);
          }
        },
      ),
      // The example: a light requester's requests wait longest; aging them one by one gave it 10% more than its weight.
      { numRuns: 30, examples: [[{ c: 3, d: 4, b: 1, a: 3 }, 1, "low"]] },
    );
  }, 60_000);
});
