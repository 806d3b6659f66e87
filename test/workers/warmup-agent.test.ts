// The `warmup_agent` demo: it starts when its table is published in the cache
// (`warmup/<id>`), serving lookups from it and announcing `warmup.ready`; without the
// table (or with a malformed one) its start fails with the reason in its supervision
// view and a restart pending after its backoff. The restart completing across a crash
// is test/e2e/schedules-crash.test.ts.
import { describe, expect, it } from "vitest";
import { agentEvents, busClient, eventually } from "./bus.ts";
import { call, expectProblem, newId, post, send, view } from "./http.ts";
import { TENANT } from "./tokens.ts";

const publish = async (id: string, table: unknown): Promise<void> => {
  const reply = await send("PUT", `/v1/cache/warmup/${id}`, table);
  expect(reply.status, reply.text).toBeLessThan(300);
};

describe("warmup_agent", () => {
  it("loads its published table at start, answers lookups from it and announces warmup.ready", async () => {
    const id = newId("warm");
    await publish(id, { eu: "Frankfurt", us: "Ashburn" });
    const spawned = await post("/v1/agents", { type: "warmup_agent", id });
    expect(spawned.status, spawned.text).toBe(201);
    expect(spawned.body).toMatchObject({ status: "running", state: { loads: 1, table: { eu: "Frankfurt" } }, supervision: { restart: "permanent", restarts: 0 } });
    expect((await call(id, "lookup", { key: "us" })).body).toEqual({ value: "Ashburn" });
    expect((await call(id, "lookup", { key: "ap" })).body).toEqual({ value: null });
    const bus = await busClient(TENANT);
    const events = await eventually("warmup.ready", () => agentEvents(bus, "warmup", "warmup_agent", id), (found) => found.length >= 1);
    expect(events.map((event) => [event.type, event.data])).toEqual([["warmup.ready", { entries: 2, loads: 1 }]]);
  });

  it("without its table: starting, the reason names the missing entry, a restart pending after the backoff; calls wait", async () => {
    const id = newId("warm");
    const before = Date.now();
    const spawned = await post("/v1/agents", { type: "warmup_agent", id });
    expect(spawned.status, spawned.text).toBe(201);
    expect(spawned.body).toMatchObject({
      status: "starting",
      supervision: { restarts: 0, escalated: false, lastReason: { type: expect.stringMatching(/warmup-missing$/), detail: expect.stringContaining(`warmup/${id}`) } },
    });
    // The first restart waits the type's backoff (10 s): the agent is mid-restart meanwhile.
    expect(Date.parse(spawned.body.supervision.nextRestartAt)).toBeGreaterThanOrEqual(before + 10_000);
    expect(expectProblem(await call(id, "lookup", { key: "eu" }), 409, "conflict").agentStatus).toBe("starting");
    expect((await view(id)).state).toEqual({ table: {}, loads: 0 });
  });

  it("refuses a malformed table at start, naming it", async () => {
    const id = newId("warm");
    await publish(id, { eu: 42 });
    const spawned = await post("/v1/agents", { type: "warmup_agent", id });
    expect(spawned.status, spawned.text).toBe(201);
    expect(spawned.body).toMatchObject({ status: "starting", supervision: { lastReason: { type: expect.stringMatching(/warmup-invalid$/) } } });
  });
});
