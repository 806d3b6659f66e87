// Resource pools through the Worker: create/read/list/delete, grants at once and after
// waiting, timeouts (503 with Retry-After), expiry reclaimed by the pool's alarm, renew
// and release of one's own leases, fairness between requesters, bad input naming the
// field, and the pool limits.
import { describe, expect, it } from "vitest";
import { expectInvalid, expectProblem, newId } from "./http.ts";
import { admin, client, type Client, expectOk } from "./security.ts";
import { eventually } from "./eventually.ts";
import { newTenant } from "./tokens.ts";

/** A fresh tenant with a pool `name` of `capacity`, its admin, and clients for two subjects who may acquire from it. */
const setup = async (capacity: number, extra: Record<string, unknown> = {}) => {
  const tenant = newTenant("pool");
  const owner = await admin(tenant);
  const name = newId("p");
  const created = await owner.post("/v1/pools", { name, capacity, ...extra });
  expect(created.status, created.text).toBe(201);
  const caps = [`pools:acquire:${name}`];
  return {
    tenant,
    owner,
    name,
    alice: await client({ tenant, subject: "alice", caps }),
    bob: await client({ tenant, subject: "bob", caps }),
  };
};

const acquire = (who: Client, pool: string, body: Record<string, unknown> = {}) => who.post(`/v1/pools/${pool}/acquire`, body);
const waitingIn = async (owner: Client, pool: string, count: number) =>
  eventually(`${count} waiting in ${pool}`, async () => (await owner.get(`/v1/pools/${pool}`)).body, (view) => Object.values<number>(view.queue).reduce((a, b) => a + b, 0) === count);

describe("pools", () => {
  it("creates a pool once, answers the same configuration again, refuses another", async () => {
    const { owner, name } = await setup(2, { weights: { "sub:alice": 2 } });
    const again = await owner.post("/v1/pools", { name, capacity: 2, weights: { "sub:alice": 2 } });
    expect(again.status, again.text).toBe(200);
    expectProblem(await owner.post("/v1/pools", { name, capacity: 3 }), 409);
    const view = expectOk(await owner.get(`/v1/pools/${name}`));
    expect(view).toMatchObject({ name, capacity: 2, fairness: "per_requester", weights: { "sub:alice": 2 }, inUse: 0, available: 2, queue: { low: 0, normal: 0, high: 0, critical: 0 }, holders: [] });
    const list = expectOk(await owner.get("/v1/pools"));
    expect(list.items.map((item: { name: string }) => item.name)).toEqual([name]);
  });

  it("grants free units at once, with a lease id naming the pool and the caller as requester", async () => {
    const { owner, name, alice } = await setup(3);
    const lease = expectOk(await acquire(alice, name, { units: 2, leaseMs: 60_000 }));
    expect(lease).toMatchObject({ pool: name, requester: "sub:alice", units: 2, priority: "normal", leaseMs: 60_000 });
    expect(lease.id.startsWith(`${name}.`)).toBe(true);
    expect(Date.parse(lease.expiresAt) - Date.parse(lease.grantedAt)).toBe(60_000);
    expect(expectOk(await owner.get(`/v1/pools/${name}`))).toMatchObject({ inUse: 2, available: 1, holders: [{ requester: "sub:alice", units: 2, leases: 1 }] });
  });

  it("answers the same lease to a repeated Idempotency-Key", async () => {
    const { name, alice } = await setup(3);
    const first = expectOk(await alice.post(`/v1/pools/${name}/acquire`, {}, { "idempotency-key": "k1" }));
    const second = expectOk(await alice.post(`/v1/pools/${name}/acquire`, {}, { "idempotency-key": "k1" }));
    expect(second.id).toBe(first.id);
  });

  it("queues a request while the pool is full and grants it when a lease is released", async () => {
    const { owner, name, alice, bob } = await setup(1);
    const held = expectOk(await acquire(alice, name));
    const waiting = acquire(bob, name, { timeoutMs: 30_000 });
    await waitingIn(owner, name, 1);
    const released = expectOk(await alice.post(`/v1/leases/${held.id}/release`));
    expect(released.id).toBe(held.id);
    const granted = expectOk(await waiting);
    expect(granted).toMatchObject({ requester: "sub:bob", units: 1 });
    expect(expectOk(await owner.get(`/v1/pools/${name}`))).toMatchObject({ inUse: 1, holders: [{ requester: "sub:bob", units: 1, leases: 1 }] });
  });

  it("answers 503 with Retry-After when no units free up within timeoutMs (0: at once)", async () => {
    const { owner, name, alice, bob } = await setup(1);
    expectOk(await acquire(alice, name, { leaseMs: 60_000 }));
    const now = expectProblem(await acquire(bob, name, { timeoutMs: 0 }), 503, "pool-exhausted");
    expect(now.pool).toBe(name);
    const later = await acquire(bob, name, { timeoutMs: 100 });
    expectProblem(later, 503, "pool-exhausted");
    expect(Number(later.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(later.body.waitedMs).toBeGreaterThanOrEqual(100);
    expect(expectOk(await owner.get(`/v1/pools/${name}`))).toMatchObject({ inUse: 1, queue: { normal: 0 } });
  });

  it("answers 503 at once when the pool's queue is full", async () => {
    const { owner, name, alice, bob } = await setup(1, { maxWaiters: 1 });
    const held = expectOk(await acquire(alice, name));
    const waiting = acquire(bob, name, { timeoutMs: 30_000 });
    await waitingIn(owner, name, 1);
    const full = expectProblem(await acquire(alice, name, { timeoutMs: 30_000 }), 503, "pool-queue-full");
    expect(full.detail).toContain("1 waiting");
    expectOk(await alice.post(`/v1/leases/${held.id}/release`));
    expectOk(await waiting);
  });

  it("reclaims an expired lease on the pool's alarm and grants the waiter it blocked", async () => {
    const { name, alice, bob } = await setup(1);
    const lapsing = expectOk(await acquire(alice, name, { leaseMs: 1_000 }));
    // Nothing else reaches the pool meanwhile: only its alarm can return the unit.
    const granted = expectOk(await acquire(bob, name, { timeoutMs: 30_000 }));
    expect(granted.requester).toBe("sub:bob");
    expect(Date.parse(granted.grantedAt)).toBeGreaterThanOrEqual(Date.parse(lapsing.expiresAt));
    expectProblem(await alice.post(`/v1/leases/${lapsing.id}/renew`), 404, "not-found");
  });

  it("renews one's own lease from now; another requester's renew and release answer 404", async () => {
    const { owner, name, alice, bob } = await setup(2);
    const lease = expectOk(await acquire(alice, name, { leaseMs: 1_000 }));
    const renewed = expectOk(await alice.post(`/v1/leases/${lease.id}/renew`, { leaseMs: 120_000 }));
    expect(renewed).toMatchObject({ id: lease.id, leaseMs: 120_000 });
    expect(Date.parse(renewed.expiresAt)).toBeGreaterThan(Date.parse(lease.expiresAt) + 100_000);
    const again = expectOk(await alice.post(`/v1/leases/${lease.id}/renew`));
    expect(again.leaseMs).toBe(120_000);
    expectProblem(await bob.post(`/v1/leases/${lease.id}/renew`), 404);
    expectProblem(await bob.post(`/v1/leases/${lease.id}/release`), 404);
    expect(expectOk(await owner.get(`/v1/pools/${name}`))).toMatchObject({ inUse: 1 });
    expectOk(await alice.post(`/v1/leases/${lease.id}/release`));
    expectProblem(await alice.post(`/v1/leases/${lease.id}/release`), 404);
    expect(expectOk(await owner.get(`/v1/pools/${name}`))).toMatchObject({ inUse: 0, holders: [] });
  });

  it("answers 404 for a lease id of another tenant or no pool", async () => {
    const { name, alice } = await setup(1);
    const lease = expectOk(await acquire(alice, name));
    const stranger = await client({ tenant: newTenant("other"), subject: "alice", caps: ["admin"] });
    expectProblem(await stranger.post(`/v1/leases/${lease.id}/release`), 404);
    expectProblem(await alice.post("/v1/leases/not-a-lease/release"), 404);
  });

  it("shares a full pool between two requesters, however many requests one sends", async () => {
    for (const [fairness, expected] of [
      ["per_requester", ["alice", "bob", "alice", "alice"]],
      ["fifo", ["alice", "alice", "alice", "bob"]],
    ] as const) {
      const { owner, name, alice, bob } = await setup(1, { fairness });
      const blocker = expectOk(await acquire(owner, name));
      const order: string[] = [];
      // Each grant is recorded, then released at once, which grants the next in the pool's order.
      const take = async (who: Client) => {
        const lease = expectOk(await acquire(who, name, { timeoutMs: 30_000 }));
        order.push(lease.requester.slice(4));
        expectOk(await who.post(`/v1/leases/${lease.id}/release`));
      };
      const all: Promise<void>[] = [];
      for (let i = 0; i < 3; i++) {
        all.push(take(alice));
        await waitingIn(owner, name, i + 1);
      }
      all.push(take(bob));
      await waitingIn(owner, name, 4);
      expectOk(await owner.post(`/v1/leases/${blocker.id}/release`));
      await Promise.all(all);
      expect(order, fairness).toEqual(expected);
    }
  });

  it("serves a higher priority first", async () => {
    const { owner, name, alice, bob } = await setup(1);
    const blocker = expectOk(await acquire(owner, name));
    const low = acquire(alice, name, { priority: "low", timeoutMs: 30_000 });
    await waitingIn(owner, name, 1);
    const high = acquire(bob, name, { priority: "high", timeoutMs: 30_000 });
    await waitingIn(owner, name, 2);
    expect(expectOk(await owner.get(`/v1/pools/${name}`)).queue).toEqual({ low: 1, normal: 0, high: 1, critical: 0 });
    expectOk(await owner.post(`/v1/leases/${blocker.id}/release`));
    const first = expectOk(await high);
    expect(await waitingIn(owner, name, 1)).toMatchObject({ holders: [{ requester: "sub:bob" }] });
    expectOk(await bob.post(`/v1/leases/${first.id}/release`));
    expect(expectOk(await low).requester).toBe("sub:alice");
  });

  it("deletes a pool: waiters are answered 404, then the pool is gone", async () => {
    const { owner, name, alice, bob } = await setup(1);
    expectOk(await acquire(alice, name));
    const waiting = acquire(bob, name, { timeoutMs: 30_000 });
    await waitingIn(owner, name, 1);
    expect((await owner.del(`/v1/pools/${name}`)).status).toBe(204);
    expectProblem(await waiting, 404);
    expectProblem(await owner.get(`/v1/pools/${name}`), 404);
    expectProblem(await owner.del(`/v1/pools/${name}`), 404);
    expect(expectOk(await owner.get("/v1/pools")).items).toEqual([]);
    // The name is free again, with a new configuration.
    expect((await owner.post("/v1/pools", { name, capacity: 5 })).status).toBe(201);
  });

  it("answers 404 for acquiring from a pool that does not exist", async () => {
    const owner = await admin(newTenant("pool"));
    expectProblem(await acquire(owner, "nope"), 404);
  });

  it("refuses bad input with 400 naming the field, changing nothing", async () => {
    const { owner, name, alice } = await setup(2);
    expectInvalid(await owner.post("/v1/pools", { name: "x", capacity: 0 }), "capacity");
    expectInvalid(await owner.post("/v1/pools", { name: "x", capacity: 10_001 }), "capacity");
    expectInvalid(await owner.post("/v1/pools", { name: "x", capacity: 1, fairness: "random" }), "fairness");
    expectInvalid(await owner.post("/v1/pools", { name: "a/b", capacity: 1 }), "name");
    expectInvalid(await owner.post("/v1/pools", { name: "p".repeat(65), capacity: 1 }), "name");
    expectInvalid(await owner.post("/v1/pools", { name: "x", capacity: 1, weights: { "sub:a": 0 } }), "weights.sub:a");
    expectInvalid(await owner.post("/v1/pools", { name: "x", capacity: 1, maxWaiters: 1_001 }), "maxWaiters");
    expectInvalid(await owner.post("/v1/pools", { name: "x", capacity: 1, extra: true }), "extra");
    expectInvalid(await acquire(alice, name, { units: 0 }), "units");
    expectInvalid(await acquire(alice, name, { units: 3 }), "units");
    expectInvalid(await acquire(alice, name, { priority: "urgent" }), "priority");
    expectInvalid(await acquire(alice, name, { timeoutMs: 60_001 }), "timeoutMs");
    expectInvalid(await acquire(alice, name, { leaseMs: 999 }), "leaseMs");
    expectInvalid(await acquire(alice, name, { leaseMs: 3_600_001 }), "leaseMs");
    expectInvalid(await acquire(alice, name, { requester: "sub:bob" }), "requester");
    const lease = expectOk(await acquire(alice, name));
    expectInvalid(await alice.post(`/v1/leases/${lease.id}/renew`, { leaseMs: 10 }), "leaseMs");
    expect(expectOk(await owner.get("/v1/pools")).items.map((item: { name: string }) => item.name)).toEqual([name]);
    expect(expectOk(await owner.get(`/v1/pools/${name}`))).toMatchObject({ inUse: 1, holders: [{ requester: "sub:alice", units: 1 }] });
  });

  it("refuses a pool past the tenant's limit with 409", async () => {
    const owner = await admin(newTenant("pool"));
    // All at once: the tenant's index admits exactly 100 however the creates interleave.
    const created = await Promise.all(Array.from({ length: 100 }, (_, i) => owner.post("/v1/pools", { name: `p${i}`, capacity: 1 })));
    expect(created.map((reply) => reply.status)).toEqual(Array(100).fill(201));
    expectProblem(await owner.post("/v1/pools", { name: "one-more", capacity: 1 }), 409);
    const page = expectOk(await owner.get("/v1/pools?limit=1000"));
    expect(page.items).toHaveLength(100);
  });
});
