// A waiting acquire whose client hangs up (the request is aborted) leaves the pool's
// queue: it is no longer counted, and freed units go to the next waiter or stay free,
// never to the gone waiter (whose lease nobody would renew or release). The pool's
// `cancelWaiter` also releases a grant that raced with the hang-up, and refuses an
// attempt whose cancel overtook it.
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "./http.ts";
import { admin, client, type Client, expectOk } from "./security.ts";
import { eventually } from "./eventually.ts";
import { bearer, newTenant } from "./tokens.ts";
import { poolObjectName } from "../../src/platform/pools/naming.ts";

const queued = (view: { queue: Record<string, number> }) => Object.values(view.queue).reduce((a, b) => a + b, 0);
const poolStub = (tenant: string, name: string) => env.POOLS.get(env.POOLS.idFromName(poolObjectName(tenant, name)));

/** The hang-up reaches the pool within a few seconds, or the test fails saying so. */
const gone = (owner: Client, name: string, left: number) =>
  eventually("the hung-up waiter to leave the queue", () => poolView(owner, name), (view) => queued(view) === left, 100, 20);
const poolView = async (owner: Client, name: string) => expectOk(await owner.get(`/v1/pools/${name}`));

/** A fresh tenant with a full pool of one unit (held by alice), and bob's token. */
const setup = async () => {
  const tenant = newTenant("pool");
  const owner = await admin(tenant);
  const name = newId("p");
  expect((await owner.post("/v1/pools", { name, capacity: 1 })).status).toBe(201);
  const caps = [`pools:acquire:${name}`];
  const alice = await client({ tenant, subject: "alice", caps });
  const held = expectOk(await alice.post(`/v1/pools/${name}/acquire`, { leaseMs: 60_000 }));
  return { tenant, owner, name, alice, held, bobAuth: await bearer({ tenant, subject: "bob", caps }), carol: await client({ tenant, subject: "carol", caps }) };
};

/** Starts bob's acquire that must wait; answers the controller that hangs it up. */
const hangingAcquire = (name: string, auth: Record<string, string>): { abort: () => void; settled: Promise<unknown> } => {
  const controller = new AbortController();
  const settled = SELF.fetch(`http://localhost/v1/pools/${name}/acquire`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ timeoutMs: 30_000, leaseMs: 60_000 }),
    signal: controller.signal,
  }).then(
    (response) => response.status,
    (error: unknown) => error,
  );
  return { abort: () => controller.abort(), settled };
};

describe("pools: a waiter whose client hangs up", () => {
  it("leaves the queue, and freed units stay free", async () => {
    const { owner, name, alice, held, bobAuth } = await setup();
    const bob = hangingAcquire(name, bobAuth);
    await eventually("bob waiting", () => poolView(owner, name), (view) => queued(view) === 1);
    bob.abort();
    await bob.settled;
    await gone(owner, name, 0);
    expectOk(await alice.post(`/v1/leases/${held.id}/release`));
    expect(await poolView(owner, name)).toMatchObject({ inUse: 0, available: 1, holders: [], queue: { low: 0, normal: 0, high: 0, critical: 0 } });
  });

  it("does not take the units from the waiter behind it", async () => {
    const { owner, name, alice, held, bobAuth, carol } = await setup();
    const bob = hangingAcquire(name, bobAuth);
    await eventually("bob waiting", () => poolView(owner, name), (view) => queued(view) === 1);
    const carolWaits = carol.post(`/v1/pools/${name}/acquire`, { timeoutMs: 30_000 });
    await eventually("carol waiting behind bob", () => poolView(owner, name), (view) => queued(view) === 2);
    bob.abort();
    await bob.settled;
    await gone(owner, name, 1);
    expectOk(await alice.post(`/v1/leases/${held.id}/release`));
    expect(expectOk(await carolWaits)).toMatchObject({ requester: "sub:carol", units: 1 });
    expect(await poolView(owner, name)).toMatchObject({ inUse: 1, holders: [{ requester: "sub:carol", units: 1, leases: 1 }], queue: { normal: 0 } });
  });

  it("releases a lease granted to the attempt before its cancel came, and only that attempt's", async () => {
    const { tenant, owner, name, alice, held } = await setup();
    expectOk(await alice.post(`/v1/leases/${held.id}/release`));
    const pool = poolStub(tenant, name);
    const at = { tenant, pool: name };
    const attempt = { requester: "sub:dave", key: "k-race", since: Date.now() };
    const granted = await pool.acquire(at, { ...attempt, units: 1, timeoutMs: 0, leaseMs: 60_000 });
    expect(granted.ok).toBe(true);
    // Another attempt with the same key (a later request) is not the one that hung up.
    expect(await pool.cancelWaiter(at, { ...attempt, since: attempt.since - 1 })).toEqual({ ok: true, value: { outcome: "unknown" } });
    expect(await poolView(owner, name)).toMatchObject({ inUse: 1, holders: [{ requester: "sub:dave" }] });
    expect(await pool.cancelWaiter(at, attempt)).toEqual({ ok: true, value: { outcome: "released" } });
    expect(await poolView(owner, name)).toMatchObject({ inUse: 0, available: 1, holders: [] });
  });

  it("refuses an attempt whose cancel overtook it, not a later one with the same key", async () => {
    const { tenant, owner, name, alice, held } = await setup();
    expectOk(await alice.post(`/v1/leases/${held.id}/release`));
    const pool = poolStub(tenant, name);
    const at = { tenant, pool: name };
    const attempt = { requester: "sub:dave", key: "k-early", since: Date.now() };
    expect(await pool.cancelWaiter(at, attempt)).toEqual({ ok: true, value: { outcome: "unknown" } });
    const refused = await pool.acquire(at, { ...attempt, units: 1, timeoutMs: 1_000, leaseMs: 60_000 });
    expect(refused).toMatchObject({ ok: false, problem: { status: 499 } });
    expect(await poolView(owner, name)).toMatchObject({ inUse: 0, holders: [], queue: { normal: 0 } });
    const later = await pool.acquire(at, { ...attempt, since: attempt.since + 1, units: 1, timeoutMs: 1_000, leaseMs: 60_000 });
    expect(later).toMatchObject({ ok: true, value: { requester: "sub:dave" } });
  });
});
