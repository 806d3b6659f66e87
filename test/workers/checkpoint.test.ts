// Checkpoint and restore: a complete JSON snapshot of an agent, restorable into a new
// id (idempotent for the same checkpoint, 409 over another agent), carrying state,
// status, outbox and client idempotency records; tampered checkpoints are refused
// naming the field, and nothing is created.
import { describe, expect, it } from "vitest";
import { agentOf, busClient, drained, eventually, holdStream, readAll } from "./bus.ts";
import { type Body, call, expectInvalid, expectProblem, get, newId, post, raw, spawn, view } from "./http.ts";
import { TENANT } from "./tokens.ts";

const ISO = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

const checkpoint = async (id: string): Promise<Body> => {
  const reply = await post(`/v1/agents/${id}/checkpoint`);
  expect(reply.status, reply.text).toBe(200);
  return reply.body;
};
const restore = (id: string, body: unknown) => post(`/v1/agents/${id}/restore`, body);

/** A counter with value 5 after two calls, one of them under a client key. */
const counterWithHistory = async (key = newId("key")) => {
  const id = newId();
  await spawn("counter", id);
  await call(id, "increment", { by: 2 }, { "idempotency-key": key });
  await call(id, "increment", { by: 3 });
  return { id, key };
};

describe("POST /v1/agents/:id/checkpoint", () => {
  it("answers the complete snapshot", async () => {
    const { id, key } = await counterWithHistory();
    const agent = await view(id);
    expect(await checkpoint(id)).toEqual({
      format: "jido.agent.checkpoint/v1",
      agent: { id, type: "counter", version: "1.0.0", status: "running" },
      takenAt: ISO,
      state: { value: 5 },
      outbox: [],
      idempotency: [{ key, fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/), response: { value: 2 }, expiresAt: ISO }],
      grants: [],
      metadata: { createdAt: agent.createdAt, updatedAt: agent.updatedAt, stateVersion: 2, counters: { calls: 2, failures: 0 } },
    });
  });

  it("answers 404 for an unknown agent", async () => {
    expectProblem(await post(`/v1/agents/${newId()}/checkpoint`), 404, "not-found");
  });
});

describe("POST /v1/agents/:id/restore", () => {
  it("creates the agent from the checkpoint (201), then answers it again for the same checkpoint (200)", async () => {
    const { id } = await counterWithHistory();
    const source = await view(id);
    const snapshot = await checkpoint(id);
    const target = newId();
    const created = await restore(target, snapshot);
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe(`/v1/agents/${target}`);
    expect(created.body).toMatchObject({
      id: target,
      typeVersion: "counter@1.0.0",
      status: "running",
      state: { value: 5 },
      stateVersion: 2,
      createdAt: source.createdAt,
      counters: { calls: 2, failures: 0, lastError: null },
    });
    expect(await view(target)).toEqual(created.body);
    const again = await restore(target, snapshot);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(created.body);
    expect((await call(target, "increment", { by: 1 })).body).toEqual({ value: 6 });
    expect((await view(id)).state).toEqual({ value: 5 });
  });

  it("refuses to restore over an existing agent (409) and leaves it unchanged", async () => {
    const { id } = await counterWithHistory();
    const snapshot = await checkpoint(id);
    const other = newId();
    const existing = await spawn("counter", other, { value: 1 });
    expectProblem(await restore(other, snapshot), 409, "conflict");
    expect(await view(other)).toEqual(existing);
    const restored = newId();
    await restore(restored, snapshot);
    await call(id, "increment", { by: 1 });
    expectProblem(await restore(restored, await checkpoint(id)), 409, "conflict");
  });

  it("replays a client idempotency key used before the checkpoint; platform keys are not carried", async () => {
    const { id, key } = await counterWithHistory();
    const target = newId();
    expect((await restore(target, await checkpoint(id))).status).toBe(201);
    const replay = await call(target, "increment", { by: 2 }, { "idempotency-key": key });
    expect(replay.status).toBe(200);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual({ value: 2 });
    expectProblem(await call(target, "increment", { by: 9 }, { "idempotency-key": key }), 422, "idempotency-key-reused");
    expect((await view(target)).state).toEqual({ value: 5 });
  });

  it("drops idempotency records that expired in transit", async () => {
    const { id, key } = await counterWithHistory();
    const snapshot = await checkpoint(id);
    snapshot.idempotency[0].expiresAt = new Date(Date.now() - 1_000).toISOString();
    const target = newId();
    expect((await restore(target, snapshot)).status).toBe(201);
    const rerun = await call(target, "increment", { by: 2 }, { "idempotency-key": key });
    expect(rerun.headers.get("idempotent-replayed")).toBeNull();
    expect(rerun.body).toEqual({ value: 7 });
  });

  it("restores a paused agent paused and a stopped one running, running onStart for both", async () => {
    const paused = newId();
    await spawn("hooked", paused);
    await post(`/v1/agents/${paused}/pause`);
    const target = newId();
    expect((await restore(target, await checkpoint(paused))).body).toMatchObject({ status: "paused", state: { started: 2 } });
    expectProblem(await call(target, "ping", {}), 409, "conflict");
    expect((await post(`/v1/agents/${target}/resume`)).body.status).toBe("running");
    expect((await call(target, "ping", {})).body).toEqual({ pong: true });

    const stopped = newId();
    await spawn("counter", stopped, { value: 3 });
    await post(`/v1/agents/${stopped}/stop`);
    const back = newId();
    expect((await restore(back, await checkpoint(stopped))).body).toMatchObject({ status: "running", state: { value: 3 } });
    expect((await call(back, "increment", { by: 1 })).body).toEqual({ value: 4 });
    const stoppedHooked = newId();
    await spawn("hooked", stoppedHooked);
    await post(`/v1/agents/${stoppedHooked}/stop`);
    expect((await restore(newId(), await checkpoint(stoppedHooked))).body).toMatchObject({ status: "running", state: { started: 2 } });
  });

  it("restores a failed agent failed, without running onStart; start retries it", async () => {
    const failed = newId();
    expectProblem(await post("/v1/agents", { type: "hooked", id: failed, state: { startMode: "fail", started: 0 } }), 500, "agent-start-failed");
    const target = newId();
    expect((await restore(target, await checkpoint(failed))).body).toMatchObject({ status: "failed", state: { started: 0 } });
    expectProblem(await post(`/v1/agents/${target}/start`), 500, "agent-start-failed");
  });

  it("carries the outbox and runs onStart for a running agent; both outboxes drain, each event stored once", async () => {
    // The `hooked` stream is held, so events stay in the outboxes until it is released.
    const release = await holdStream(TENANT, "hooked");
    const id = newId();
    await spawn("hooked", id);
    const snapshot = await checkpoint(id);
    expect(snapshot.outbox).toEqual([{ id: expect.any(String), type: "hooked.started", subject: null, data: {}, time: ISO }]);
    const target = newId();
    const restored = await restore(target, snapshot);
    expect(restored.body).toMatchObject({ status: "running", state: { started: 2 }, outbox: { pending: 2 } });
    const carried = (await checkpoint(target)).outbox;
    expect(carried[0]).toEqual(snapshot.outbox[0]);
    expect(carried[1]).toMatchObject({ type: "hooked.started", data: {} });
    await release();
    const bus = await busClient(TENANT);
    for (const agent of [id, target]) {
      await eventually(`agent ${agent}'s outbox to drain`, () => agentOf(bus, agent), (view) => view.outbox.pending === 0);
    }
    // The carried event keeps its id, so whichever agent appended it first (a race: its
    // source names that agent), the stream holds it once.
    const fromEither = (event: Body) => [id, target].some((agent) => event.source === `agent/hooked/${agent}`);
    const stored = await eventually("both carried events on hooked", async () => (await readAll(bus, "hooked")).filter(fromEither), (events) => events.length >= 2);
    expect(stored.map((event) => event.id).sort()).toEqual([carried[0].id, carried[1].id].sort());
    expect(stored.find((event) => event.id === carried[1].id).source).toBe(`agent/hooked/${target}`);
  });

  it("accepts a checkpoint body over 1 MiB (restore allows 12 MiB) and refuses one over 12 MiB with 413", async () => {
    const { id } = await counterWithHistory();
    const snapshot = await checkpoint(id);
    const data = "x".repeat(200 * 1024);
    const stream = `bulk${crypto.randomUUID().slice(0, 8)}`;
    // 25 events of 200 KiB: more than one drain batch (4 Mi characters each), still in order.
    const outbox = Array.from({ length: 25 }, (_, i) => ({ id: newId(`e${i}`), type: `${stream}.event`, subject: null, data, time: snapshot.takenAt }));
    const release = await holdStream(TENANT, stream);
    const target = newId();
    const created = await restore(target, { ...snapshot, outbox });
    expect(created.status, created.text).toBe(201);
    expect(created.body.outbox.pending).toBe(25);
    await release();
    const events = await drained(await busClient(TENANT), stream, "counter", target, 25);
    expect(events.map((event) => event.id)).toEqual(outbox.map((event) => event.id));
    expect(events.every((event) => event.data === data)).toBe(true);

    const huge = JSON.stringify({ ...snapshot, outbox: [] }).replace('"outbox":[]', `"outbox":[],"pad":"${"y".repeat(12 * 1024 * 1024)}"`);
    const tooBig = await raw(`/v1/agents/${newId()}/restore`, { method: "POST", headers: { "content-type": "application/json" }, body: huge });
    expectProblem(tooBig, 413, "payload-too-large");
  });
});

describe("restoring a tampered checkpoint", () => {
  const tamper: [string, (c: Body) => unknown, string][] = [
    ["an unknown top-level field", (c) => ({ ...c, extra: 1 }), "extra"],
    ["an unknown agent field", (c) => ({ ...c, agent: { ...c.agent, owner: "me" } }), "agent.owner"],
    ["a state that violates the schema", (c) => ({ ...c, state: { value: "five" } }), "checkpoint.state.value"],
    ["a state with an unknown field", (c) => ({ ...c, state: { value: 5, hacked: true } }), "checkpoint.state.hacked"],
    ["another format", (c) => ({ ...c, format: "jido.agent.checkpoint/v2" }), "format"],
    ["a negative stateVersion", (c) => ({ ...c, metadata: { ...c.metadata, stateVersion: -1 } }), "metadata.stateVersion"],
    ["a malformed fingerprint", (c) => ({ ...c, idempotency: [{ ...c.idempotency[0], fingerprint: "abc" }] }), "idempotency.0.fingerprint"],
    ["a bad agent id", (c) => ({ ...c, agent: { ...c.agent, id: "a/b" } }), "agent.id"],
    ["a missing state", ({ state: _state, ...rest }) => rest, "checkpoint.state"],
    ["an event type no stream accepts", (c) => ({ ...c, outbox: [{ id: "e", type: "Not A Type", subject: null, data: {}, time: c.takenAt }] }), "outbox.0.type"],
    ["an event for a stream only the platform writes", (c) => ({ ...c, outbox: [{ id: "e", type: "audit.denied", subject: null, data: {}, time: c.takenAt }] }), "outbox.0.type"],
    ["an event id no header could carry (it becomes webhook-id)", (c) => ({ ...c, outbox: [{ id: "line\nbreak", type: "a.b", subject: null, data: {}, time: c.takenAt }] }), "outbox.0.id"],
    ["event data over 256 KiB", (c) => ({ ...c, outbox: [{ id: "e", type: "a.b", subject: null, data: "x".repeat(300 * 1024), time: c.takenAt }] }), "outbox.0.data"],
    ["a response over 1 MiB", (c) => ({ ...c, idempotency: [{ ...c.idempotency[0], response: "x".repeat(1024 * 1024 + 1) }] }), "idempotency.0.response"],
  ];

  it.each(tamper)("refuses %s with 400 naming the field, creating nothing", async (_what, change, path) => {
    const { id } = await counterWithHistory();
    const target = newId();
    expectInvalid(await restore(target, change(await checkpoint(id))), path);
    expectProblem(await get(`/v1/agents/${target}`), 404, "not-found");
  });

  it("refuses a checkpoint of a type this deployment does not host (422), creating nothing", async () => {
    const { id } = await counterWithHistory();
    const snapshot = await checkpoint(id);
    const target = newId();
    expectProblem(await restore(target, { ...snapshot, agent: { ...snapshot.agent, type: "nope" } }), 422, "unknown-agent-type");
    expectProblem(await get(`/v1/agents/${target}`), 404, "not-found");
  });
});
