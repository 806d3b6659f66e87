// Supervision: a permanent agent whose onStart fails is restarted on its alarm until it
// starts (counts and the last reason in its view, `agent.restarting` events); past the
// intensity it escalates to failed with an `agent.failed` event; an unhealthy health
// check restarts it under the same policy. (Temporary, the default: lifecycle.test.ts.)
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { agentEvents, busClient } from "./bus.ts";
import { type Body, call, expectProblem, newId, post, view } from "./http.ts";
import { agentStub } from "./objects.ts";
import { eventually } from "./eventually.ts";
import { unhealthy } from "./test-agents.ts";
import { TENANT } from "./tokens.ts";

/** Runs the agent's alarm (if set) and reads the agent. */
const alarmThenView = async (id: string): Promise<Body> => {
  await runDurableObjectAlarm(agentStub(id));
  return view(id);
};

const spawnSupervised = async (id: string, failFirst: number): Promise<Body> => {
  const reply = await post("/v1/agents", { type: "supervised", id, state: { failFirst, starts: 0 } });
  expect(reply.status, reply.text).toBe(201);
  return reply.body;
};

const eventTypes = async (id: string, count: number): Promise<string[]> => {
  const bus = await busClient(TENANT);
  const events = await eventually(`${count} agent.* events of ${id}`, () => agentEvents(bus, "agent", "supervised", id), (found) => found.length >= count);
  return events.map((event: Body) => event.type);
};

describe("restarts", () => {
  it("restarts a failing onStart on the alarm until it starts; the view counts the restarts and keeps the last reason", async () => {
    const id = newId();
    const spawned = await spawnSupervised(id, 2);
    expect(spawned.status).toBe("starting");
    expect(spawned.supervision).toMatchObject({ restart: "permanent", restarts: 0, escalated: false, lastReason: { type: expect.stringMatching(/agent-start-failed$/) } });
    expect(spawned.supervision.nextRestartAt).toEqual(expect.any(String));
    expect(expectProblem(await call(id, "ping", {}), 409, "conflict").agentStatus).toBe("starting");
    const running = await eventually("the agent to start", () => alarmThenView(id), (agent) => agent.status === "running");
    expect(running.supervision).toMatchObject({ restarts: 2, escalated: false, nextRestartAt: null, lastReason: { detail: expect.stringContaining("onStart raised") } });
    expect(running.state).toEqual({ failFirst: 2, starts: 1 });
    expect((await call(id, "ping", {})).body).toEqual({ pong: true });
    expect(await eventTypes(id, 2)).toEqual(["agent.restarting", "agent.restarting"]);
  });

  it("escalates past the intensity: failed, escalated in the view, an agent.failed event; start tries again", async () => {
    const id = newId();
    await spawnSupervised(id, 100);
    const failed = await eventually("the escalation", () => alarmThenView(id), (agent) => agent.status === "failed");
    expect(failed.supervision).toMatchObject({ restarts: 2, escalated: true, nextRestartAt: null, lastReason: { type: expect.stringMatching(/agent-start-failed$/) } });
    expect(failed.counters.lastError.type).toMatch(/agent-start-failed$/);
    const types = await eventTypes(id, 3);
    expect(types).toEqual(["agent.restarting", "agent.restarting", "agent.failed"]);
    // Nothing more is scheduled: another alarm leaves it failed.
    expect((await alarmThenView(id)).status).toBe("failed");
  });
});

describe("health checks", () => {
  it("restarts an agent whose health check answers unhealthy, and it runs again once healthy", async () => {
    const id = newId();
    await spawnSupervised(id, 0);
    unhealthy.add(id);
    try {
      const restarting = await eventually("the health check to fail", () => alarmThenView(id), (agent) => agent.supervision.restarts >= 1 || agent.status !== "running");
      expect(restarting.supervision.lastReason).toMatchObject({ type: expect.stringMatching(/agent-unhealthy$/), detail: expect.stringContaining("the database is unreachable") });
    } finally {
      unhealthy.delete(id);
    }
    const back = await eventually("the agent to run again", () => alarmThenView(id), (agent) => agent.status === "running" && agent.supervision.restarts >= 1);
    expect(back.state.starts).toBeGreaterThanOrEqual(2);
    expect(back.supervision.escalated).toBe(false);
  });
});
