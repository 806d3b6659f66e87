// Lifecycle: pause/resume (idempotent), graceful stop (running call finishes,
// onTerminate's events are kept, storage stays readable), start again after a stop
// (onStart on the kept state), delete (the id can be reused), and onStart failures and
// timeouts of the `hooked` test type.
import { describe, expect, it } from "vitest";
import { agentEvents, busClient, drained, holdStream } from "./bus.ts";
import { type Body, call, del, expectProblem, get, newId, post, spawn, view } from "./http.ts";
import { evict, gateWaiting, openGate, until } from "./objects.ts";
import { client, expectForbidden } from "./security.ts";
import { TENANT } from "./tokens.ts";

const transition = (id: string, verb: "pause" | "resume" | "stop" | "start") => post(`/v1/agents/${id}/${verb}`);

const outboxTypes = async (id: string): Promise<string[]> =>
  (await post(`/v1/agents/${id}/checkpoint`)).body.outbox.map((event: { type: string }) => event.type);

describe("pause and resume", () => {
  it("refuses calls while paused and serves them again after resume", async () => {
    const id = newId();
    await spawn("counter", id);
    const paused = await transition(id, "pause");
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ id, status: "paused" });
    const refused = expectProblem(await call(id, "increment", { by: 1 }), 409, "conflict");
    expect(refused.agentStatus).toBe("paused");
    expect((await view(id)).state).toEqual({ value: 0 });
    const resumed = await transition(id, "resume");
    expect(resumed.status).toBe(200);
    expect(resumed.body.status).toBe("running");
    expect((await call(id, "increment", { by: 1 })).body).toEqual({ value: 1 });
  });

  it("treats pausing a paused agent and resuming a running one as done (200)", async () => {
    const id = newId();
    await spawn("counter", id);
    expect((await transition(id, "resume")).body.status).toBe("running");
    expect((await transition(id, "pause")).body.status).toBe("paused");
    const again = await transition(id, "pause");
    expect(again.status).toBe(200);
    expect(again.body.status).toBe("paused");
  });

  it("answers 404 for an unknown agent", async () => {
    for (const verb of ["pause", "resume", "stop"] as const) expectProblem(await transition(newId(), verb), 404, "not-found");
  });
});

describe("stop", () => {
  it("stops: calls are 409, the agent stays readable, and it cannot be paused or resumed", async () => {
    const id = newId();
    await spawn("counter", id, { value: 3 });
    const stopped = await transition(id, "stop");
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ status: "stopped", state: { value: 3 } });
    expect(expectProblem(await call(id, "increment", { by: 1 }), 409, "conflict").agentStatus).toBe("stopped");
    expect(await view(id)).toMatchObject({ status: "stopped", state: { value: 3 } });
    expect((await transition(id, "stop")).status).toBe(200);
    expectProblem(await transition(id, "pause"), 409, "conflict");
    expectProblem(await transition(id, "resume"), 409, "conflict");
  });

  it("runs onTerminate and keeps the event it emits in the outbox; a stopped agent still drains it", async () => {
    // The `hooked` stream is held, so the events stay in the outbox until it is released.
    const release = await holdStream(TENANT, "hooked");
    const id = newId();
    const created = await spawn("hooked", id);
    expect(created.state).toEqual({ startMode: "ok", started: 1 });
    expect(created.outbox.pending).toBe(1);
    const stopped = await transition(id, "stop");
    expect(stopped.body.outbox.pending).toBe(2);
    const { outbox } = (await post(`/v1/agents/${id}/checkpoint`)).body;
    expect(outbox.map((event: { type: string }) => event.type)).toEqual(["hooked.started", "hooked.terminated"]);
    expect(outbox[1].data).toEqual({ started: 1 });
    await release();
    const events = await drained(await busClient(TENANT), "hooked", "hooked", id, 2);
    expect(events.map((event) => [event.id, event.type, event.data])).toEqual(outbox.map((event: Body) => [event.id, event.type, event.data]));
    expect((await view(id)).status).toBe("stopped");
  });

  it("stops a paused agent too, running onTerminate", async () => {
    const release = await holdStream(TENANT, "data");
    const id = newId();
    await spawn("data_processor", id);
    await transition(id, "pause");
    expect((await transition(id, "stop")).body.status).toBe("stopped");
    expect(await outboxTypes(id)).toEqual(["data.processor.terminated"]);
    await release();
    const events = await drained(await busClient(TENANT), "data", "data_processor", id, 1);
    expect(events.map((event) => event.type)).toEqual(["data.processor.terminated"]);
  });

  it("lets the running call finish and refuses new ones while stopping", async () => {
    const id = newId();
    await spawn("flaky", id);
    const gate = newId("gate");
    const running = call(id, "block", { gate });
    await until("the call to run", () => gateWaiting(gate));
    const stopping = transition(id, "stop");
    await until("the agent to be stopping", async () => (await view(id)).status === "stopping");
    expect(expectProblem(await call(id, "work", { mode: "ok" }), 409, "conflict").agentStatus).toBe("stopping");
    await openGate(id, gate);
    const finished = await running;
    expect(finished.status).toBe(200);
    expect(finished.body).toEqual({ effects: 1 });
    const stopped = await stopping;
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ status: "stopped", state: { effects: 1 } });
  });
});

describe("start", () => {
  it("brings a stopped agent back: onStart runs on the kept state and calls work again", async () => {
    const id = newId();
    await spawn("counter", id, { value: 3 });
    await transition(id, "stop");
    const started = await transition(id, "start");
    expect(started.status, started.text).toBe(200);
    expect(started.body).toMatchObject({ id, status: "running", state: { value: 3 } });
    expect((await call(id, "increment", { by: 1 })).body).toEqual({ value: 4 });

    const hooked = newId();
    expect((await spawn("hooked", hooked)).state).toEqual({ startMode: "ok", started: 1 });
    await transition(hooked, "stop");
    expect((await transition(hooked, "start")).body).toMatchObject({ status: "running", state: { startMode: "ok", started: 2 } });
    expect((await call(hooked, "ping", {})).body).toEqual({ pong: true });
  });

  it("treats starting a running agent as done (200): onStart does not run again", async () => {
    const id = newId();
    await spawn("hooked", id);
    const again = await transition(id, "start");
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: "running", state: { started: 1 } });
  });

  it("refuses a paused agent (409: resume it) and answers 404 for an unknown one", async () => {
    const id = newId();
    await spawn("counter", id);
    await transition(id, "pause");
    const refused = expectProblem(await transition(id, "start"), 409, "conflict");
    expect(refused).toMatchObject({ agentStatus: "paused", detail: expect.stringContaining("resume it first") });
    expect((await view(id)).status).toBe("paused");
    expectProblem(await transition(newId(), "start"), 404, "not-found");
  });

  it("leaves an agent whose onStart fails failed (500), with its state kept", async () => {
    const id = newId();
    expectProblem(await post("/v1/agents", { type: "hooked", id, state: { startMode: "fail", started: 5 } }), 500, "agent-start-failed");
    const body = expectProblem(await transition(id, "start"), 500, "agent-start-failed");
    expect(await view(id)).toMatchObject({ status: "failed", state: { startMode: "fail", started: 5 }, counters: { lastError: { detail: body.detail } } });
    expect(expectProblem(await call(id, "ping", {}), 409, "conflict").detail).toContain("start it again");
  });

  it("needs agents:manage:<type>: 403 without it, and the agent stays stopped", async () => {
    const id = newId();
    await spawn("counter", id, { value: 2 });
    await transition(id, "stop");
    const reader = await client({ tenant: TENANT, subject: "reader", caps: ["agents:read:counter", "agents:manage:hooked"] });
    expectForbidden(await reader.post(`/v1/agents/${id}/start`), "agents:manage:counter");
    expect(await view(id)).toMatchObject({ status: "stopped", state: { value: 2 } });
  });
});

describe("DELETE /v1/agents/:id", () => {
  it("deletes the agent (204); it is gone and the id can be spawned afresh", async () => {
    const id = newId();
    await spawn("counter", id, { value: 9 });
    await call(id, "increment", { by: 1 });
    const deleted = await del(`/v1/agents/${id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe("");
    expectProblem(await get(`/v1/agents/${id}`), 404, "not-found");
    expectProblem(await call(id, "increment", { by: 1 }), 404, "not-found");
    expectProblem(await del(`/v1/agents/${id}`), 404, "not-found");
    const fresh = await spawn("data_processor", id);
    expect(fresh).toMatchObject({ type: "data_processor", stateVersion: 1, counters: { calls: 0, failures: 0 }, outbox: { pending: 0 } });
  });

  it("deletes a paused or stopped agent", async () => {
    const paused = newId();
    await spawn("counter", paused);
    await transition(paused, "pause");
    expect((await del(`/v1/agents/${paused}`)).status).toBe(204);
    const stopped = newId();
    await spawn("hooked", stopped);
    await transition(stopped, "stop");
    expect((await del(`/v1/agents/${stopped}`)).status).toBe(204);
    expectProblem(await get(`/v1/agents/${paused}`), 404);
    expectProblem(await get(`/v1/agents/${stopped}`), 404);
  });

  it("appends the events onTerminate emits before deleting", async () => {
    const id = newId();
    await spawn("hooked", id);
    expect((await del(`/v1/agents/${id}`)).status).toBe(204);
    const events = await agentEvents(await busClient(TENANT), "hooked", "hooked", id);
    expect(events.map((event) => [event.type, event.data])).toEqual([["hooked.started", {}], ["hooked.terminated", { started: 1 }]]);
  });

  it("answers 503 and deletes nothing while the events cannot be appended; a retry deletes it once they are", async () => {
    // Held from before the spawn, so a drain is under way (blocked) when the agent is deleted.
    const release = await holdStream(TENANT, "hooked");
    const id = newId();
    await spawn("hooked", id);
    const reply = await del(`/v1/agents/${id}`);
    expect(expectProblem(reply, 503, "outbox-not-drained").detail).toContain("nothing was deleted");
    expect(reply.headers.get("retry-after")).toBe("1");
    expect(await view(id)).toMatchObject({ status: "stopped", outbox: { pending: 2 } });
    await release();
    await until("the outbox to drain", async () => (await view(id)).outbox.pending === 0);
    expect((await del(`/v1/agents/${id}`)).status).toBe(204);
    expectProblem(await get(`/v1/agents/${id}`), 404);
    const events = await agentEvents(await busClient(TENANT), "hooked", "hooked", id);
    expect(events.map((event) => event.type)).toEqual(["hooked.started", "hooked.terminated"]);
  });

  it("survives a restart between a refused deletion and its retry: the rebuilt object drains, then the retry deletes", async () => {
    const release = await holdStream(TENANT, "hooked");
    const id = newId();
    await spawn("hooked", id);
    expectProblem(await del(`/v1/agents/${id}`), 503, "outbox-not-drained");
    await evict(id);
    await release();
    // Nothing asks the rebuilt object to drain: its alarm, re-armed from the outbox, does.
    await until("the outbox to drain", async () => (await view(id)).outbox.pending === 0);
    expect((await del(`/v1/agents/${id}`)).status).toBe(204);
    const events = await agentEvents(await busClient(TENANT), "hooked", "hooked", id);
    expect(events.map((event) => event.type)).toEqual(["hooked.started", "hooked.terminated"]);
  });
});

describe("onStart failures (hooked)", () => {
  it("answers 500 agent-start-failed when onStart throws; the agent is failed with lastError", async () => {
    const id = newId();
    const reply = await post("/v1/agents", { type: "hooked", id, state: { startMode: "fail", started: 0 } });
    const body = expectProblem(reply, 500, "agent-start-failed");
    expect(body.detail).toContain("onStart raised Error");
    const agent = await view(id);
    expect(agent.status).toBe("failed");
    expect(agent.state).toEqual({ startMode: "fail", started: 0 });
    expect(agent.outbox.pending).toBe(0);
    expect(agent.counters.lastError).toEqual({ at: expect.any(String), type: body.type, status: 500, detail: body.detail });
    expect(expectProblem(await call(id, "ping", {}), 409, "conflict").agentStatus).toBe("failed");
  });

  it("fails a start that overruns startupTimeout (100 ms)", async () => {
    const id = newId();
    const body = expectProblem(await post("/v1/agents", { type: "hooked", id, state: { startMode: "hang", started: 0 } }), 500, "agent-start-failed");
    expect(body.detail).toContain("100 ms");
    expect((await view(id)).status).toBe("failed");
  });

  it("refuses to spawn over a failed agent (409: start it, or delete it first); deleted, it spawns afresh", async () => {
    const id = newId();
    expectProblem(await post("/v1/agents", { type: "hooked", id, state: { startMode: "fail", started: 0 } }), 500, "agent-start-failed");
    const again = expectProblem(await post("/v1/agents", { type: "hooked", id, state: { startMode: "ok", started: 0 } }), 409, "conflict");
    expect(again.agentStatus).toBe("failed");
    expect(await view(id)).toMatchObject({ status: "failed", state: { startMode: "fail", started: 0 } });
    expect((await del(`/v1/agents/${id}`)).status).toBe(204);
    const fresh = await post("/v1/agents", { type: "hooked", id, state: { startMode: "ok", started: 0 } });
    expect(fresh.status).toBe(201);
    expect(fresh.body).toMatchObject({ status: "running", state: { startMode: "ok", started: 1 }, counters: { lastError: null } });
    expect((await call(id, "ping", {})).body).toEqual({ pong: true });
  });
});
