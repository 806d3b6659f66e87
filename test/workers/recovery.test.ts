// Recovery: an evicted agent object (crash, deploy) is rebuilt from storage and sees
// exactly the last committed state, counters, breaker and idempotency records;
// transitions a restart cut short are settled; the alarm prunes expired idempotency
// records and re-arms itself for the next expiry (or the directory refresh, if sooner).
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, expectProblem, newId, post, spawn, view } from "./http.ts";
import { busClient, drained, holdStream } from "./bus.ts";
import { agentStub, evict, inObject } from "./objects.ts";
import { createAgentStore } from "../../objects/agent/store.ts";
import type { AgentMeta } from "../../src/platform/agent/agent-meta.ts";
import { IDEMPOTENCY_PRUNE_INTERVAL_MS, requestFingerprint } from "../../src/platform/agent/idempotency.ts";
import { TENANT } from "./tokens.ts";
import { eventually } from "./eventually.ts";
import { DIRECTORY_REFRESH_MS, directoryShardName, shardCount, shardOf } from "../../src/platform/discovery/shards.ts";

const shardStub = (id: string) => env.DIRECTORY.get(env.DIRECTORY.idFromName(directoryShardName(TENANT, shardOf(id, shardCount(env.JIDO_DIRECTORY_SHARDS)))));

/** Waits until the agent's shard lists it with its status (its alarm is then the refresh's). */
const registered = (id: string) =>
  eventually(
    `${id} registered`,
    () =>
      runInDurableObject(shardStub(id), (_instance, state) => state.storage.sql.exec<{ status: string }>("SELECT status FROM entries WHERE id = ?", id).toArray()[0]?.status),
    (status) => status === "running",
  );

const MARK = "__evictionMarker";

/** Evicts the object and proves it: a mark set on the old instance is gone on the new one. */
const evictAndCheck = async (id: string): Promise<void> => {
  await runInDurableObject(agentStub(id), (instance) => {
    (instance as unknown as Record<string, boolean>)[MARK] = true;
  });
  await evict(id);
  const marked = await runInDurableObject(agentStub(id), (instance) => MARK in (instance as object));
  expect(marked, "the object was not evicted").toBe(false);
};

type IdempotencyRow = { key: string; expires_at: number; origin: string };
const idempotencyRows = (id: string) =>
  inObject(id, (state) => state.storage.sql.exec<IdempotencyRow>("SELECT key, expires_at, origin FROM idempotency ORDER BY key").toArray());

/** Rewrites the stored meta record (as a crash in the middle of a transition would leave it). */
const patchMeta = (id: string, patch: (meta: Record<string, unknown>) => Record<string, unknown>) =>
  inObject(id, (state) => {
    const store = createAgentStore(state.storage);
    store.commit({ meta: patch(store.readMeta()!) as unknown as AgentMeta });
  });

describe("after eviction", () => {
  it("sees exactly the last committed state, and idempotency replays still work", async () => {
    const id = newId();
    await spawn("counter", id);
    const key = newId("key");
    await call(id, "increment", { by: 1 });
    await call(id, "increment", { by: 10 }, { "idempotency-key": key });
    await call(id, "increment", { by: 100 });
    const before = await view(id);
    await evictAndCheck(id);
    const after = await view(id);
    expect(after).toEqual(before);
    expect(after).toMatchObject({ state: { value: 111 }, stateVersion: 3, counters: { calls: 3 } });
    const replay = await call(id, "increment", { by: 10 }, { "idempotency-key": key });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual({ value: 11 });
    expect((await call(id, "increment", { by: 1 })).body).toEqual({ value: 112 });
  });

  it("replays a record whose fingerprint an earlier version hashed, and refuses its key for another request", async () => {
    const id = newId();
    await spawn("counter", id);
    const key = newId("key");
    expect((await call(id, "increment", { by: 5 }, { "idempotency-key": key })).body).toEqual({ value: 5 });
    // As an earlier version wrote it: the SHA-256 of the request's canonical text.
    const hashed = await requestFingerprint("increment", { by: 5 });
    await inObject(id, (state) => state.storage.sql.exec("UPDATE idempotency SET fingerprint = ? WHERE key = ?", hashed, key));
    await evictAndCheck(id);
    const replay = await call(id, "increment", { by: 5 }, { "idempotency-key": key });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual({ value: 5 });
    expectProblem(await call(id, "increment", { by: 6 }, { "idempotency-key": key }), 422, "idempotency-key-reused");
    // A checkpoint carries the hashed form, whichever form the record has.
    const other = newId("key");
    await call(id, "increment", { by: 1 }, { "idempotency-key": other });
    const { idempotency } = (await post(`/v1/agents/${id}/checkpoint`)).body as { idempotency: { key: string; fingerprint: string }[] };
    expect(idempotency.find((record) => record.key === other)?.fingerprint).toBe(await requestFingerprint("increment", { by: 1 }));
    expect((await view(id)).state).toEqual({ value: 6 });
  });

  it("counts the outbox exactly across eviction, draining and new events", async () => {
    const id = newId();
    await spawn("flaky", id);
    const release = await holdStream(TENANT, "flaky");
    await call(id, "work", { mode: "ok" });
    await call(id, "work", { mode: "ok" });
    expect((await view(id)).outbox.pending).toBe(2);
    await evictAndCheck(id);
    expect((await view(id)).outbox.pending).toBe(2);
    await release();
    await eventually("the outbox drained", () => view(id), (agent) => agent.outbox.pending === 0);
    expect(await inObject(id, (state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n)).toBe(0);
    const again = await holdStream(TENANT, "flaky");
    await call(id, "work", { mode: "ok" });
    expect((await view(id)).outbox.pending).toBe(1);
    await again();
    await eventually("the outbox drained again", () => view(id), (agent) => agent.outbox.pending === 0);
    await evictAndCheck(id);
    expect((await view(id)).outbox.pending).toBe(0);
  });

  it("keeps failed calls out of the state but keeps their counters and the open breaker", async () => {
    const id = newId();
    await spawn("flaky", id);
    // The `flaky` stream is held, so the event stays in the outbox across the eviction.
    const release = await holdStream(TENANT, "flaky");
    await call(id, "work", { mode: "ok" });
    expectProblem(await call(id, "mutate", {}), 500, "action-crashed");
    for (let i = 0; i < 2; i++) expectProblem(await call(id, "work", { mode: "crash" }), 500, "action-crashed");
    await evictAndCheck(id);
    const agent = await view(id);
    expect(agent).toMatchObject({ state: { effects: 1 }, stateVersion: 1, counters: { calls: 4, failures: 3 }, breaker: { state: "open", failures: 3 } });
    expect(agent.outbox.pending).toBe(1);
    expectProblem(await call(id, "work", { mode: "ok" }), 503, "circuit-open");
    // The rebuilt object drains it (its alarm was re-armed from the outbox); the stream stores it once.
    await release();
    const events = await drained(await busClient(TENANT), "flaky", "flaky", id, 1);
    expect(events.map((event) => [event.type, event.data])).toEqual([["flaky.worked", { effects: 1 }]]);
  });

  it("half-opens the stored breaker after its reset timeout; a successful trial closes it", async () => {
    const id = newId();
    await spawn("flaky", id);
    for (let i = 0; i < 3; i++) await call(id, "work", { mode: "crash" });
    await patchMeta(id, (meta) => ({ ...meta, breaker: { ...(meta.breaker as object), openedAt: Date.now() - 61_000 } }));
    await evictAndCheck(id);
    expect((await view(id)).breaker).toEqual({ state: "half_open", failures: 3, retryAfterMs: null });
    expect((await call(id, "work", { mode: "ok" })).body).toEqual({ effects: 1, attempt: 1 });
    expect((await view(id)).breaker).toEqual({ state: "closed", failures: 0, retryAfterMs: null });
  });

  it("reports a start a restart cut short as failed; start runs onStart again on the kept state", async () => {
    const id = newId();
    await spawn("hooked", id);
    await patchMeta(id, (meta) => ({ ...meta, status: "starting" }));
    await evictAndCheck(id);
    const agent = await view(id);
    expect(agent.status).toBe("failed");
    expect(agent.counters.lastError).toMatchObject({ type: expect.stringMatching(/\/agent-start-interrupted$/), status: 500 });
    expect((await post("/v1/agents", { type: "hooked", id })).status).toBe(409);
    const restarted = await post(`/v1/agents/${id}/start`);
    expect(restarted.status, restarted.text).toBe(200);
    expect(restarted.body).toMatchObject({ status: "running", state: { startMode: "ok", started: 2 } });
  });

  it("finishes a stop a restart cut short", async () => {
    const id = newId();
    await spawn("counter", id, { value: 4 });
    await patchMeta(id, (meta) => ({ ...meta, status: "stopping" }));
    await evictAndCheck(id);
    expect(await view(id)).toMatchObject({ status: "stopped", state: { value: 4 } });
    expectProblem(await call(id, "increment", { by: 1 }), 409, "conflict");
  });
});

describe("the idempotency alarm", () => {
  it("prunes expired records and re-arms for the next expiry, no sooner than the prune interval", async () => {
    const id = newId();
    await spawn("counter", id);
    const key = newId("key");
    await call(id, "increment", { by: 1 }, { "idempotency-key": key });
    await call(id, "increment", { by: 1 });
    await registered(id);
    const now = Date.now();
    await inObject(id, (state) => {
      state.storage.sql.exec(
        "INSERT INTO idempotency (key, fingerprint, response, created_at, expires_at, origin) VALUES ('expired', ?, '{}', ?, ?, 'client')",
        "0".repeat(64), now - 2_000, now - 1_000,
      );
    });
    expect((await idempotencyRows(id)).map((row) => row.key)).toContain("expired");

    expect(await runDurableObjectAlarm(agentStub(id))).toBe(true);
    const rows = await idempotencyRows(id);
    expect(rows.map((row) => row.key)).not.toContain("expired");
    expect(rows.map((row) => row.origin).sort()).toEqual(["client", "platform"]);
    const alarm = await inObject(id, (state) => state.storage.getAlarm());
    // The platform key's record expires in a minute, before the directory refresh is due;
    // the alarm prunes again a prune interval after this one at the soonest (all then due at once).
    const after = Date.now();
    expect(alarm).toBeGreaterThanOrEqual(Math.max(Math.min(...rows.map((row) => row.expires_at)), now + IDEMPOTENCY_PRUNE_INTERVAL_MS));
    expect(alarm).toBeLessThanOrEqual(Math.max(Math.min(...rows.map((row) => row.expires_at)), after + IDEMPOTENCY_PRUNE_INTERVAL_MS));
    expect((await call(id, "increment", { by: 1 }, { "idempotency-key": key })).headers.get("idempotent-replayed")).toBe("true");
  });

  it("moves the alarm from the registration backstop to the refresh once a shard acknowledged a spawn", async () => {
    const id = newId();
    const before = Date.now();
    await spawn("counter", id);
    await registered(id);
    // Not seconds away (the backstop, which would wake every agent of a burst again): the spread refresh.
    await eventually(
      "the alarm moved to the refresh",
      () => inObject(id, (state) => state.storage.getAlarm()),
      (alarm) => alarm !== null && alarm >= before + 0.8 * DIRECTORY_REFRESH_MS,
    );
  });

  it("leaves only the directory refresh once every record has expired and been pruned", async () => {
    const id = newId();
    await spawn("counter", id);
    await call(id, "increment", { by: 1 }, { "idempotency-key": newId("key") });
    await inObject(id, (state) => state.storage.sql.exec("UPDATE idempotency SET expires_at = ?", Date.now() - 1));
    const before = Date.now();
    expect(await runDurableObjectAlarm(agentStub(id))).toBe(true);
    expect(await idempotencyRows(id)).toEqual([]);
    const alarm = await inObject(id, (state) => state.storage.getAlarm());
    // The refresh period, spread by +/-20% (refreshDelay).
    expect(alarm).toBeGreaterThanOrEqual(before + 0.8 * DIRECTORY_REFRESH_MS);
    expect(alarm).toBeLessThanOrEqual(Date.now() + 1.2 * DIRECTORY_REFRESH_MS);
    expect((await view(id)).state).toEqual({ value: 1 });
  });

  it("is re-armed from stored deadlines when an object restarts without one", async () => {
    const id = newId();
    await spawn("counter", id);
    await call(id, "increment", { by: 1 });
    await registered(id);
    await inObject(id, (state) => state.storage.deleteAlarm());
    await evictAndCheck(id);
    const [row] = await idempotencyRows(id);
    // The platform key's record expires in a minute, before the directory refresh is due.
    expect(await inObject(id, (state) => state.storage.getAlarm())).toBe(row!.expires_at);
  });

  it("is set again by the next arming when setting it failed", async () => {
    const id = newId();
    await spawn("counter", id);
    // Registered and restarted without an alarm: re-armed for the directory refresh, minutes away.
    await registered(id);
    await inObject(id, (state) => state.storage.deleteAlarm());
    await evictAndCheck(id);
    const refresh = await inObject(id, (state) => state.storage.getAlarm());
    await inObject(id, (state) => {
      Object.defineProperty(state.storage, "setAlarm", { value: () => Promise.reject(new Error("storage unavailable")), configurable: true, writable: true });
    });
    // A platform key's record expires in a minute, before the refresh: arming it fails.
    await call(id, "increment", { by: 1 });
    await inObject(id, (state) => Reflect.deleteProperty(state.storage, "setAlarm"));
    expect(await inObject(id, (state) => state.storage.getAlarm())).toBe(refresh);
    // A later deadline, still before the refresh: armed only if the object knows the failed one was never set.
    await call(id, "increment", { by: 1 });
    const rows = await idempotencyRows(id);
    const expiries = rows.map((row) => row.expires_at).sort((x, y) => x - y);
    expect(expiries.at(-1)!).toBeLessThan(refresh!);
    expect(await inObject(id, (state) => state.storage.getAlarm())).toBe(expiries.at(-1));
  });
});
