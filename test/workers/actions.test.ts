// Calling actions: POST /v1/agents/:id/actions/:action with the input as the body
// answers the action's result; invalid input is refused naming the field and leaves
// the state alone; unknown agents and actions are 404. data_processor end to end.
import { describe, expect, it } from "vitest";
import { busClient, drained, holdStream } from "./bus.ts";
import { call, expectInvalid, expectProblem, newId, post, raw, spawn, view } from "./http.ts";
import { TENANT } from "./tokens.ts";

describe("counter.increment", () => {
  it("answers the new total and commits it", async () => {
    const id = newId();
    await spawn("counter", id);
    const first = await call(id, "increment", { by: 2 });
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toMatch(/^application\/json/);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(first.body).toEqual({ value: 2 });
    expect((await call(id, "increment", { by: -5 })).body).toEqual({ value: -3 });
    const agent = await view(id);
    expect(agent.state).toEqual({ value: -3 });
    expect(agent.stateVersion).toBe(2);
    expect(agent.counters).toEqual({ calls: 2, failures: 0, lastError: null });
    expect(Date.parse(agent.updatedAt)).toBeGreaterThanOrEqual(Date.parse(agent.createdAt));
  });

  it.each([
    ["a wrong type", { by: "x" }, "by"],
    ["a missing field", {}, "by"],
    ["a fraction", { by: 1.5 }, "by"],
    ["an unknown field", { by: 1, extra: true }, "extra"],
    ["a non-object", [1], "(root)"],
  ])("refuses %s with 400 naming the field; the state is unchanged", async (_what, input, path) => {
    const id = newId();
    await spawn("counter", id, { value: 7 });
    expectInvalid(await call(id, "increment", input), path);
    const agent = await view(id);
    expect(agent.state).toEqual({ value: 7 });
    expect(agent.stateVersion).toBe(0);
    expect(agent.counters.calls).toBe(0);
  });

  it("refuses a call without a body the same way (by is missing)", async () => {
    const id = newId();
    await spawn("counter", id);
    expectInvalid(await raw(`/v1/agents/${id}/actions/increment`, { method: "POST" }), "by");
    expect((await view(id)).state).toEqual({ value: 0 });
  });

  it("answers 422 action-failed with the action's code when the action refuses; state kept", async () => {
    const id = newId();
    await spawn("counter", id, { value: Number.MAX_SAFE_INTEGER });
    const body = expectProblem(await call(id, "increment", { by: 1 }), 422, "action-failed");
    expect(body.code).toBe("out_of_range");
    const agent = await view(id);
    expect(agent.state).toEqual({ value: Number.MAX_SAFE_INTEGER });
    expect(agent.counters).toMatchObject({ calls: 1, failures: 1, lastError: { status: 422, type: body.type } });
  });

  it("answers 404 for an unknown agent and for an unknown action", async () => {
    const missing = newId();
    expect(expectProblem(await call(missing, "increment", { by: 1 }), 404, "not-found").detail).toContain(missing);
    const id = newId();
    await spawn("counter", id);
    expect(expectProblem(await call(id, "decrement", { by: 1 }), 404, "not-found").detail).toContain("counter.decrement");
    expectProblem(await call(id, "constructor", {}), 404, "not-found");
    expectInvalid(await call(id, "Not-An-Action", {}), "path.action");
    expect((await view(id)).state).toEqual({ value: 0 });
  });
});

describe("data_processor.process_stream", () => {
  it("parses, validates and normalises JSON records", async () => {
    const id = newId();
    await spawn("data_processor", id);
    const payload = JSON.stringify([{ "First Name": " Ada ", orderId: 7 }, { nested: { no: 1 } }, { ok: true }]);
    const reply = await call(id, "process_stream", { format: "json", payload });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      processed: 2,
      rejected: [{ index: 1, reason: expect.stringContaining("nested") }],
      records: [{ first_name: "Ada", order_id: 7 }, { ok: true }],
    });
  });

  it("parses CSV with options, rejecting rows of the wrong width", async () => {
    const id = newId();
    await spawn("data_processor", id);
    const payload = "Name;Age;Member\nAda;36;true\nBob;7\nEve;;false\n";
    const reply = await call(id, "process_stream", { format: "csv", payload, options: { delimiter: ";" } });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      processed: 2,
      rejected: [{ index: 1, reason: "row has 2 fields, expected 3" }],
      records: [
        { name: "Ada", age: 36, member: true },
        { name: "Eve", age: null, member: false },
      ],
    });
  });

  it("counts batches, records and rejections in its state, with one event per call, drained in order to its stream", async () => {
    const id = newId();
    const created = await spawn("data_processor", id);
    expect(created.state.startedAt).toEqual(expect.any(Number));
    expect(created.outbox.pending).toBe(0);
    // Appends to the `data` stream wait while it is held, so the events stay in the outbox.
    const release = await holdStream(TENANT, "data");
    await call(id, "process_stream", { format: "json", payload: '[{"a":1},{"b":2},[3]]' });
    await call(id, "process_stream", { format: "csv", payload: "x\n1\n" });
    const agent = await view(id);
    expect(agent.state).toMatchObject({
      batches: 2,
      records: 3,
      rejected: 1,
      byFormat: { json: 1, csv: 1 },
      startedAt: created.state.startedAt,
      lastProcessedAt: expect.any(Number),
    });
    expect(agent.state.bytes).toBeGreaterThan(0);
    expect(agent.outbox.pending).toBe(2);
    expect(agent.counters).toMatchObject({ calls: 2, failures: 0 });
    const { outbox } = (await post(`/v1/agents/${id}/checkpoint`)).body;
    const emitted = [
      ["data.processed", { format: "json", processed: 2, rejected: 1 }],
      ["data.processed", { format: "csv", processed: 1, rejected: 0 }],
    ];
    expect(outbox.map((event: { type: string; data: unknown }) => [event.type, event.data])).toEqual(emitted);
    await release();
    const events = await drained(await busClient(TENANT), "data", "data_processor", id, 2);
    expect(events.map((event) => [event.type, event.data])).toEqual(emitted);
    expect(events.map((event) => event.id)).toEqual(outbox.map((event: { id: string }) => event.id));
    expect(events[1].sequence).toBeGreaterThan(events[0].sequence);
  });

  it.each([
    ["json", "{not json"],
    ["json", "42"],
    ["csv", 'a,b\n"unterminated'],
    ["csv", ""],
  ])("answers 422 parse_error for an unusable %s payload and changes nothing", async (format, payload) => {
    const id = newId();
    const created = await spawn("data_processor", id);
    const body = expectProblem(await call(id, "process_stream", { format, payload }), 422, "action-failed");
    expect(body.code).toBe("parse_error");
    const agent = await view(id);
    expect(agent.state).toEqual(created.state);
    expect(agent.outbox.pending).toBe(0);
  });

  it("refuses invalid input naming the field", async () => {
    const id = newId();
    await spawn("data_processor", id);
    expectInvalid(await call(id, "process_stream", { format: "xml", payload: "<a/>" }), "format");
    expectInvalid(await call(id, "process_stream", { format: "json" }), "payload");
    expectInvalid(await call(id, "process_stream", { format: "csv", payload: "a", options: { delimiter: ";;" } }), "options.delimiter");
    expectInvalid(await call(id, "process_stream", { format: "csv", payload: "a", options: { quote: "'" } }), "options.quote");
    expect((await view(id)).state.batches).toBe(0);
  });
});
