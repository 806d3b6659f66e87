// Spawning agents: POST /v1/agents creates an agent once per id (idempotent by id),
// refuses another type under the same id, unknown types and invalid initial states,
// and generates ids (stable under an Idempotency-Key) when none is given; a spawn writes
// only what a new agent needs (under a burst of spawns every statement counts).
import { describe, expect, it } from "vitest";
import { call, expectInvalid, expectProblem, get, newId, post, spawn, view } from "./http.ts";
import { evict, inObject } from "./objects.ts";

/** The agent object's own tables (not the runtime's `_cf_` ones), by name. */
const tables = (id: string) =>
  inObject(id, (state) =>
    state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY name")
      .toArray()
      .map((row) => row.name),
  );

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe("POST /v1/agents", () => {
  it("creates an agent: 201, the full view and a location header", async () => {
    const id = newId();
    const reply = await post("/v1/agents", { type: "counter", id });
    expect(reply.status).toBe(201);
    expect(reply.headers.get("content-type")).toMatch(/^application\/json/);
    expect(reply.headers.get("location")).toBe(`/v1/agents/${id}`);
    expect(reply.body).toEqual({
      id,
      type: "counter",
      version: "1.0.0",
      typeVersion: "counter@1.0.0",
      status: "running",
      state: { value: 0 },
      stateVersion: 0,
      createdAt: expect.stringMatching(ISO),
      updatedAt: expect.stringMatching(ISO),
      counters: { calls: 0, failures: 0, lastError: null },
      breaker: { state: "closed", failures: 0, retryAfterMs: null },
      outbox: { pending: 0 },
      labels: {},
      placement: { locationHint: null, jurisdiction: null },
      supervision: { restart: "temporary", restarts: 0, lastReason: null, nextRestartAt: null, lastRestartAt: null, escalated: false },
    });
    expect(await view(id)).toEqual(reply.body);
  });

  it("takes an initial state validated by the type's schema", async () => {
    const id = newId();
    const created = await spawn("counter", id, { value: 41 });
    expect(created.state).toEqual({ value: 41 });
    expect((await view(id)).state).toEqual({ value: 41 });
  });

  it("answers 200 with the existing agent when the same id and type are spawned again", async () => {
    const id = newId();
    const first = await spawn("counter", id, { value: 5 });
    const again = await post("/v1/agents", { type: "counter", id, state: { value: 99 } });
    expect(again.status).toBe(200);
    expect(again.headers.get("location")).toBe(`/v1/agents/${id}`);
    expect(again.body).toEqual(first);
    expect((await view(id)).state).toEqual({ value: 5 });
  });

  it("refuses the same id with another type: 409, the agent unchanged", async () => {
    const id = newId();
    const first = await spawn("counter", id);
    const body = expectProblem(await post("/v1/agents", { type: "data_processor", id }), 409, "conflict");
    expect(body.agentType).toBe("counter");
    expect(await view(id)).toEqual(first);
  });

  it("answers 404 for an unknown type and creates nothing", async () => {
    const id = newId();
    const body = expectProblem(await post("/v1/agents", { type: "nope", id }), 404, "not-found");
    expect(body.detail).toContain("nope");
    expectProblem(await get(`/v1/agents/${id}`), 404);
  });

  it("refuses an invalid initial state naming the field, and creates nothing", async () => {
    const id = newId();
    expectInvalid(await post("/v1/agents", { type: "counter", id, state: { value: "ten" } }), "state.value");
    expectInvalid(await post("/v1/agents", { type: "counter", id, state: { value: 1, extra: true } }), "state.extra");
    expectInvalid(await post("/v1/agents", { type: "counter", id, state: null }), "state");
    expectProblem(await get(`/v1/agents/${id}`), 404);
  });

  it("refuses unknown and missing body fields naming them", async () => {
    expectInvalid(await post("/v1/agents", { type: "counter", id: newId(), colour: "red" }), "colour");
    expectInvalid(await post("/v1/agents", { id: newId() }), "type");
    expectInvalid(await post("/v1/agents", { type: "counter", id: "has space" }), "id");
    expectInvalid(await post("/v1/agents", { type: "counter", id: 7 }), "id");
  });

  it("generates an agt_ id when none is given", async () => {
    const reply = await post("/v1/agents", { type: "counter" });
    expect(reply.status).toBe(201);
    expect(reply.body.id).toMatch(/^agt_[0-9a-f]{32}$/);
    expect(reply.headers.get("location")).toBe(`/v1/agents/${reply.body.id}`);
    expect((await view(reply.body.id)).id).toBe(reply.body.id);
    const other = await post("/v1/agents", { type: "counter" });
    expect(other.body.id).not.toBe(reply.body.id);
  });

  it("derives the same generated id from the same Idempotency-Key", async () => {
    const key = newId("spawn-key");
    const first = await post("/v1/agents", { type: "counter" }, { "idempotency-key": key });
    const second = await post("/v1/agents", { type: "counter" }, { "idempotency-key": key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(first.body.id).toMatch(/^agt_[0-9a-f]{32}$/);
    expect(second.body.id).toBe(first.body.id);
    const third = await post("/v1/agents", { type: "counter" }, { "idempotency-key": newId("spawn-key") });
    expect(third.body.id).not.toBe(first.body.id);
  });

  it("runs onStart before answering (data_processor sets state.startedAt)", async () => {
    const id = newId();
    const created = await spawn("data_processor", id);
    expect(created.status).toBe("running");
    expect(created.state.startedAt).toEqual(expect.any(Number));
    expect(created.stateVersion).toBe(1);
    expect((await view(id)).state.startedAt).toBe(created.state.startedAt);
  });

  it("keeps agents with the same id apart from agents with other ids", async () => {
    const a = newId();
    const b = newId();
    await spawn("counter", a, { value: 1 });
    await spawn("counter", b, { value: 2 });
    expect((await view(a)).state).toEqual({ value: 1 });
    expect((await view(b)).state).toEqual({ value: 2 });
  });

  it("writes a new agent once, settled, with only its state table (meta included: no key-value table); the others come with their first write, also after a restart", async () => {
    const id = newId();
    const created = await spawn("counter", id);
    expect(created.status).toBe("running");
    expect(await tables(id)).toEqual(["agent_state"]);
    expect(await inObject(id, (state) => state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = '_cf_KV'").toArray())).toEqual([]);
    // Restarted with tables missing: it loads, answers and records its first call.
    await evict(id);
    expect(await view(id)).toMatchObject({ status: "running", state: { value: 0 }, outbox: { pending: 0 } });
    expect((await call(id, "increment", { by: 2 })).body).toEqual({ value: 2 });
    expect(await tables(id)).toEqual(["agent_state", "idempotency"]);
    await evict(id);
    expect((await call(id, "increment", { by: 1 })).body).toEqual({ value: 3 });
  });
});

