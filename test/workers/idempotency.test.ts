// Idempotency-Key on action calls: the same key and input answer the first result
// (marked idempotent-replayed) without running again; the same key with another input
// is 422; concurrent duplicates run once; failures are not remembered.
import { describe, expect, it } from "vitest";
import { call, expectInvalid, expectProblem, newId, post, spawn, view } from "./http.ts";
import { gateWaiting, openGate, until } from "./objects.ts";

const key = (): { "idempotency-key": string } => ({ "idempotency-key": newId("key") });

describe("Idempotency-Key on calls", () => {
  it("replays the first answer for the same key and input, without running again", async () => {
    const id = newId();
    await spawn("counter", id);
    const headers = key();
    const first = await call(id, "increment", { by: 3 }, headers);
    expect(first.status).toBe(200);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(first.body).toEqual({ value: 3 });
    await call(id, "increment", { by: 10 });
    const again = await call(id, "increment", { by: 3 }, headers);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual({ value: 3 });
    const agent = await view(id);
    expect(agent.state).toEqual({ value: 13 });
    expect(agent.counters.calls).toBe(2);
  });

  it("treats inputs that differ only in key order as the same request", async () => {
    const id = newId();
    await spawn("data_processor", id);
    const headers = key();
    const first = await call(id, "process_stream", { format: "json", payload: '{"a":1}' }, headers);
    const again = await call(id, "process_stream", { payload: '{"a":1}', format: "json" }, headers);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect((await view(id)).state.batches).toBe(1);
  });

  it("refuses the same key with a different input: 422 idempotency-key-reused, nothing runs", async () => {
    const id = newId();
    await spawn("counter", id);
    const headers = key();
    await call(id, "increment", { by: 1 }, headers);
    const body = expectProblem(await call(id, "increment", { by: 2 }, headers), 422, "idempotency-key-reused");
    expect(body.detail).toContain(headers["idempotency-key"]);
    expect((await view(id)).state).toEqual({ value: 1 });
  });

  it("runs concurrent duplicates once and answers all of them with the one result", async () => {
    const id = newId();
    await spawn("counter", id, { value: 100 });
    const headers = key();
    const replies = await Promise.all(Array.from({ length: 6 }, () => call(id, "increment", { by: 1 }, headers)));
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ value: 101 });
    }
    expect(replies.filter((reply) => reply.headers.get("idempotent-replayed") === null)).toHaveLength(1);
    const agent = await view(id);
    expect(agent.state).toEqual({ value: 101 });
    expect(agent.counters.calls).toBe(1);
  });

  it("makes a duplicate that arrives while the first call runs wait for it; another input is 422 at once", async () => {
    const id = newId();
    await spawn("flaky", id);
    const headers = key();
    const gate = newId("gate");
    const first = call(id, "block", { gate }, headers);
    await until("the first call to run", () => gateWaiting(gate));
    const duplicate = call(id, "block", { gate }, headers);
    expectProblem(await call(id, "block", { gate: "other" }, headers), 422, "idempotency-key-reused");
    await openGate(id, gate);
    const [a, b] = await Promise.all([first, duplicate]);
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ effects: 1 });
    expect(b.status).toBe(200);
    expect(b.body).toEqual({ effects: 1 });
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    expect((await view(id)).state.effects).toBe(1);
  });

  it("runs concurrent calls without keys each once", async () => {
    const id = newId();
    await spawn("counter", id);
    const replies = await Promise.all(Array.from({ length: 5 }, () => call(id, "increment", { by: 1 })));
    expect(replies.map((reply) => reply.body.value).sort()).toEqual([1, 2, 3, 4, 5]);
    expect((await view(id)).state).toEqual({ value: 5 });
  });

  it("does not remember failures: the same key and input run again", async () => {
    const id = newId();
    await spawn("counter", id, { value: Number.MAX_SAFE_INTEGER });
    const headers = key();
    expectProblem(await call(id, "increment", { by: 1 }, headers), 422, "action-failed");
    expectProblem(await call(id, "increment", { by: 1 }, headers), 422, "action-failed");
    const ok = await call(id, "increment", { by: -1 }, headers);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("idempotent-replayed")).toBeNull();
    expect((await view(id)).counters).toMatchObject({ calls: 3, failures: 2 });
  });

  it("keeps keys per agent: one key on two agents runs on each", async () => {
    const a = newId();
    const b = newId();
    await spawn("counter", a);
    await spawn("counter", b);
    const headers = key();
    expect((await call(a, "increment", { by: 1 }, headers)).headers.get("idempotent-replayed")).toBeNull();
    expect((await call(b, "increment", { by: 1 }, headers)).headers.get("idempotent-replayed")).toBeNull();
    expect((await view(a)).state).toEqual({ value: 1 });
    expect((await view(b)).state).toEqual({ value: 1 });
  });

  it("replays an acknowledged call even after the agent was paused", async () => {
    const id = newId();
    await spawn("counter", id);
    const headers = key();
    await call(id, "increment", { by: 4 }, headers);
    expect((await post(`/v1/agents/${id}/pause`)).status).toBe(200);
    const again = await call(id, "increment", { by: 4 }, headers);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual({ value: 4 });
    expectProblem(await call(id, "increment", { by: 4 }, key()), 409, "conflict");
  });

  it("refuses a malformed key naming header.idempotency-key, before anything runs", async () => {
    const id = newId();
    await spawn("counter", id);
    expectInvalid(await call(id, "increment", { by: 1 }, { "idempotency-key": "has space" }), "header.idempotency-key");
    expectInvalid(await call(id, "increment", { by: 1 }, { "idempotency-key": "k".repeat(256) }), "header.idempotency-key");
    expectInvalid(await post("/v1/agents", { type: "counter" }, { "idempotency-key": "a/b" }), "header.idempotency-key");
    expect((await call(id, "increment", { by: 1 }, { "idempotency-key": "k".repeat(255) })).status).toBe(200);
    expect((await view(id)).state).toEqual({ value: 1 });
  });
});
