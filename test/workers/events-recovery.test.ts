// Work of the event objects that outlives the call that started it survives a restart:
// a stream killed in the middle of a delivery pass (started by a new subscription or a
// replay) resumes it from its alarm, and the bus finishes a deletion a restart cut
// short. Deleting a subscription while a stream registers leaves it on no stream. The
// facts a stream keeps in memory (its last sequence) are exact after a restart and after
// a refused batch.
// Each test acts as a fresh tenant.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { typedStub } from "../../objects/durable/index.ts";
import { agentObjectName } from "../../src/platform/agent/naming.ts";
import { busObjectName } from "../../src/platform/events/naming.ts";
import type { Caller } from "../../src/platform/security/caller.ts";
import { agentOf, type Bus, busClient, event, eventually, holdObject, holdStream, info, publish, readAll, spawnIn, streamStub, subscribe, subscription } from "./bus.ts";
import { expectProblem } from "./http.ts";

const adminCaller = (tenant: string): Caller => ({ kind: "principal", subject: `${tenant}-admin`, tenant, grants: [{ name: "admin", constraints: {}, grantedBy: "test", expiresAt: null }] });
const busStub = (tenant: string) => env.BUS.get(env.BUS.idFromName(busObjectName(tenant)));
const agentStub = (tenant: string, id: string) => env.AGENTS.get(env.AGENTS.idFromName(agentObjectName(tenant, id)));
const restart = (stub: DurableObjectStub) => runInDurableObject(stub, (_instance, state) => state.abort("restarted by test")).catch(() => undefined);
const valueOf = async (bus: Bus, id: string): Promise<number> => (await agentOf(bus, id)).state.value;

/** Whether the bus has written down the deletion of `id` (and is removing it from the streams). */
const deletionMarked = (tenant: string, id: string) =>
  runInDurableObject(busStub(tenant), (_instance, state) => state.storage.sql.exec("SELECT 1 FROM pending WHERE id = ? AND op = 'remove'", id).toArray().length > 0);

describe("an event stream restarted in the middle of a delivery pass", () => {
  it("resumes delivering to a new subscription from its alarm", async () => {
    const bus = await busClient();
    await spawnIn(bus, "counter", "c");
    // Appended before any subscription exists, so no append armed the stream's alarm.
    await publish(bus, [1, 2, 4].map((by) => event("order.created", { by })));
    const release = await holdObject(agentStub(bus.tenant, "c"), "agent c");
    // Created on the bus directly: the API's target check would wait for the held agent.
    const created = await typedStub(busStub(bus.tenant)).create(
      { tenant: bus.tenant },
      adminCaller(bus.tenant),
      { patterns: ["order.created"], stream: "order", start: "earliest", target: { kind: "agent", agent: "c", action: "increment" } },
      `platform:${crypto.randomUUID()}`,
    );
    expect(created.ok).toBe(true);
    // The pass the new subscription started waits on the held agent; the stream dies under it.
    await restart(streamStub(bus.tenant, "order"));
    await release();
    // Nothing touches the stream again: only its alarm can finish the pass.
    expect(await eventually("the deliveries", () => valueOf(bus, "c"), (value) => value === 7)).toBe(7);
    expect((await agentOf(bus, "c")).counters.calls).toBe(3);
  });

  it("resumes a replay from its alarm", async () => {
    const bus = await busClient();
    await spawnIn(bus, "counter", "c");
    const sub = await subscribe(bus, { patterns: ["order.created"], stream: "order", start: "earliest", target: { kind: "agent", agent: "c", action: "increment" } });
    await publish(bus, [1, 2].map((by) => event("order.created", { by })));
    await eventually("the deliveries", () => valueOf(bus, "c"), (value) => value === 3);
    // Let the alarm the appends armed run out first.
    await eventually("the stream's alarm to be spent", () => runInDurableObject(streamStub(bus.tenant, "order"), (_i, state) => state.storage.getAlarm()), (at) => at === null);
    const release = await holdObject(agentStub(bus.tenant, "c"), "agent c");
    const reply = await bus.send("POST", "/v1/streams/order/replay", { subscription: sub.id, from: 1 });
    expect(reply.status, reply.text).toBe(202);
    await restart(streamStub(bus.tenant, "order"));
    await release();
    expect(await eventually("the replay", () => valueOf(bus, "c"), (value) => value === 6)).toBe(6);
  });
});

describe("an event stream's sequence", () => {
  it("stays gap-free across a restart between appends and after a batch refused part way", async () => {
    const bus = await busClient();
    const append = (ids: string[], publisher: string) =>
      typedStub(streamStub(bus.tenant, "order")).append(
        { tenant: bus.tenant, stream: "order" },
        ids.map((id) => ({ id, source: "test/recovery", type: "order.created", time: new Date().toISOString(), data: {} })),
        publisher,
      );
    const sequences = async (ids: string[], publisher: string) => {
      const result = await append(ids, publisher);
      if (!result.ok) throw new Error(`append refused: ${JSON.stringify(result)}`);
      return result.value.map((appended) => appended.sequence);
    };
    expect(await sequences(["a1", "a2"], "p1")).toEqual([1, 2]);
    await restart(streamStub(bus.tenant, "order"));
    expect(await sequences(["a3"], "p1")).toEqual([3]);
    // Its second id is p1's: the batch is refused whole, its first event (numbered 4 inside the transaction) is not stored.
    expect(await append(["b1", "a1"], "p2")).toMatchObject({ ok: false, problem: { status: 409 } });
    expect(await sequences(["a4"], "p1")).toEqual([4]);
    await restart(streamStub(bus.tenant, "order"));
    expect(await sequences(["a1", "a5"], "p1")).toEqual([1, 5]);
    expect((await readAll(bus, "order")).map((e) => [e.sequence, e.id])).toEqual([
      [1, "a1"],
      [2, "a2"],
      [3, "a3"],
      [4, "a4"],
      [5, "a5"],
    ]);
  });
});

describe("deleting a subscription", () => {
  it("leaves it on no stream, even one that registers while the deletion is under way", async () => {
    const bus = await busClient();
    await publish(bus, event("order.created"));
    const sub = await subscribe(bus, { patterns: ["#"], target: { kind: "live" } });
    expect((await info(bus, "order")).subscriptions).toEqual([sub.id]);
    const release = await holdStream(bus.tenant, "order");
    const deleting = bus.send("DELETE", `/v1/subscriptions/${sub.id}`);
    await eventually("the deletion to be marked", () => deletionMarked(bus.tenant, sub.id), (marked) => marked);
    // A stream first used now registers with the bus while the deletion waits on `order`.
    await publish(bus, event("invoice.created"));
    await release();
    expect((await deleting).status).toBe(204);
    expect((await info(bus, "invoice")).subscriptions).toEqual([]);
    expect((await info(bus, "order")).subscriptions).toEqual([]);
    expectProblem(await bus.send("GET", `/v1/subscriptions/${sub.id}`), 404, "not-found");
  });

  it("is finished by the bus's alarm when a restart cuts it short", async () => {
    const bus = await busClient();
    await publish(bus, event("order.created"));
    const sub = await subscribe(bus, { patterns: ["order.#"], target: { kind: "live" } });
    const release = await holdStream(bus.tenant, "order");
    // Called on the bus directly, so that no retry of the platform's finishes it.
    const deleting = typedStub(busStub(bus.tenant)).remove({ tenant: bus.tenant }, sub.id).catch((error: unknown) => error);
    await eventually("the deletion to be marked", () => deletionMarked(bus.tenant, sub.id), (marked) => marked);
    await restart(busStub(bus.tenant));
    await deleting;
    // Hidden while it is being deleted.
    expectProblem(await bus.send("GET", `/v1/subscriptions/${sub.id}`), 404, "not-found");
    await release();
    await eventually("the stream to drop it", async () => (await info(bus, "order")).subscriptions, (ids) => ids.length === 0);
    await eventually("the bus to forget it", () => deletionMarked(bus.tenant, sub.id), (marked) => !marked);
    expect((await bus.send("GET", "/v1/subscriptions")).body.items).toEqual([]);
  });

  it("refuses nothing it should not: a subscription with the same id can be created once it is gone", async () => {
    const bus = await busClient();
    await subscribe(bus, { id: "again", patterns: ["order.#"], target: { kind: "live" } });
    expect((await bus.send("DELETE", "/v1/subscriptions/again")).status).toBe(204);
    expect((await subscription(bus, (await subscribe(bus, { id: "again", patterns: ["order.#"], target: { kind: "live" } })).id)).id).toBe("again");
  });
});
