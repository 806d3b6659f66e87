// Resilience of action calls, driven by the `flaky` test type (breaker threshold 3,
// linear retry of 3 attempts, bulkhead of 2 running + 1 queued): crashes, refusals,
// transient failures, invalid results, timeouts, in-place mutation, the circuit
// breaker and the bulkhead. A failed call never changes the state.
import { describe, expect, it } from "vitest";
import { call, expectProblem, newId, type Reply, spawn, view } from "./http.ts";
import { busClient, drained } from "./bus.ts";
import { gateWaiting, openGate, until } from "./objects.ts";
import { TENANT } from "./tokens.ts";

const work = (id: string, mode: string) => call(id, "work", { mode });

const expectUntouched = async (id: string) => {
  const agent = await view(id);
  expect(agent.state).toEqual({ effects: 0, failuresLeft: 0 });
  expect(agent.stateVersion).toBe(0);
  expect(agent.outbox.pending).toBe(0);
  return agent;
};

describe("failing actions (flaky)", () => {
  it("answers 500 action-crashed for a thrown error, after every attempt; state untouched, failure counted", async () => {
    const id = newId();
    await spawn("flaky", id);
    const body = expectProblem(await work(id, "crash"), 500, "action-crashed");
    expect(body.attempts).toBe(3);
    expect(body.detail).not.toContain("boom");
    const agent = await expectUntouched(id);
    expect(agent.counters).toEqual({ calls: 1, failures: 1, lastError: { at: expect.any(String), type: body.type, status: 500, detail: body.detail } });
    expect(agent.breaker).toEqual({ state: "closed", failures: 1, retryAfterMs: null });
  });

  it("opens the breaker after 3 failing calls: 503 circuit-open with retry-after, visible in GET", async () => {
    const id = newId();
    await spawn("flaky", id);
    for (let i = 0; i < 3; i++) expectProblem(await work(id, "crash"), 500, "action-crashed");
    const refused = await work(id, "ok");
    expectProblem(refused, 503, "circuit-open");
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const agent = await expectUntouched(id);
    expect(agent.breaker).toMatchObject({ state: "open", failures: 3 });
    expect(agent.breaker.retryAfterMs).toBeGreaterThan(0);
    expect(agent.breaker.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it("answers 422 action-failed with the code for a refusal, which the breaker does not count", async () => {
    const id = newId();
    await spawn("flaky", id);
    for (let i = 0; i < 4; i++) {
      const body = expectProblem(await work(id, "refuse"), 422, "action-failed");
      expect(body).toMatchObject({ code: "refused", details: { mode: "refuse" }, attempts: 1 });
    }
    const agent = await expectUntouched(id);
    expect(agent.breaker).toEqual({ state: "closed", failures: 0, retryAfterMs: null });
    expect(agent.counters).toMatchObject({ calls: 4, failures: 4 });
    expect((await work(id, "ok")).body).toEqual({ effects: 1, attempt: 1 });
  });

  it("retries a retryable failure: transient succeeds on attempt 3 and commits once", async () => {
    const id = newId();
    await spawn("flaky", id);
    const reply = await work(id, "transient");
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ effects: 1, attempt: 3 });
    const agent = await view(id);
    expect(agent.state.effects).toBe(1);
    expect(agent.breaker.failures).toBe(0);
    // One event, from the attempt that committed, reaches the agent's stream.
    const events = await drained(await busClient(TENANT), "flaky", "flaky", id, 1);
    expect(events.map((event) => [event.type, event.data])).toEqual([["flaky.worked", { effects: 1 }]]);
  });

  it("resets the breaker's failure count after a success", async () => {
    const id = newId();
    await spawn("flaky", id);
    expectProblem(await work(id, "crash"), 500);
    expectProblem(await work(id, "crash"), 500);
    expect((await work(id, "ok")).status).toBe(200);
    expectProblem(await work(id, "crash"), 500);
    expectProblem(await work(id, "crash"), 500);
    expect((await view(id)).breaker).toEqual({ state: "closed", failures: 2, retryAfterMs: null });
    expect((await work(id, "ok")).body).toEqual({ effects: 2, attempt: 1 });
  });

  it.each([
    ["bad_output", "action-output-invalid", "result.effects"],
    ["bad_state", "action-state-invalid", "state.effects"],
  ])("answers 500 for %s naming the field, and keeps the state", async (mode, slug, path) => {
    const id = newId();
    await spawn("flaky", id);
    const body = expectProblem(await work(id, mode), 500, slug);
    expect(body.errors).toEqual([{ path, message: expect.any(String) }]);
    await expectUntouched(id);
  });

  it("answers 504 action-timeout when an attempt overruns its timeout", async () => {
    const id = newId();
    await spawn("flaky", id);
    const body = expectProblem(await call(id, "hang", {}), 504, "action-timeout");
    expect(body.detail).toContain("50 ms");
    expect(body.attempts).toBe(3);
    const agent = await expectUntouched(id);
    expect(agent.counters.lastError.status).toBe(504);
  });

  it("fails an action that mutates ctx.state in place, and keeps the committed state", async () => {
    const id = newId();
    await spawn("flaky", id);
    expectProblem(await call(id, "mutate", {}), 500, "action-crashed");
    await expectUntouched(id);
    expect((await work(id, "ok")).body).toEqual({ effects: 1, attempt: 1 });
  });
});

describe("bulkhead (2 running or waiting + 1 queued)", () => {
  it("sheds the 4th concurrent call with 429 and retry-after; admitted calls all complete", async () => {
    const id = newId();
    await spawn("flaky", id);
    const gates = [newId("gate"), newId("gate"), newId("gate")];
    const keys = gates.map(() => newId("key"));
    const admitted = gates.map((gate, i) => call(id, "block", { gate }, { "idempotency-key": keys[i]! }));
    // A call is admitted (running, waiting or queued) once the object knows its key: the
    // same key with another input is then 422 (reused). Before that the probe's invalid
    // input is 400, so a probe is never admitted itself.
    const isInFlight = async (key: string) => (await call(id, "block", { gate: 0 }, { "idempotency-key": key })).status === 422;
    for (const key of keys) await until(`call ${key} to be admitted`, () => isInFlight(key));

    const shed = await call(id, "block", { gate: newId("gate") });
    expectProblem(shed, 429, "bulkhead-full");
    expect(shed.headers.get("retry-after")).toBe("1");

    const opened = new Set<string>();
    while (opened.size < gates.length) {
      await until("a call to run", () => gates.some((gate) => !opened.has(gate) && gateWaiting(gate)));
      const gate = gates.find((g) => !opened.has(g) && gateWaiting(g))!;
      opened.add(gate);
      await openGate(id, gate);
    }
    const replies: Reply[] = await Promise.all(admitted);
    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200]);
    expect(replies.map((reply) => reply.body.effects).sort()).toEqual([1, 2, 3]);
    const agent = await view(id);
    expect(agent.state.effects).toBe(3);
    expect(agent.counters).toMatchObject({ calls: 3, failures: 0 });
    expect((await work(id, "ok")).body).toEqual({ effects: 4, attempt: 1 });
  });
});
