// Tenant isolation: the token's tenant scopes every object. Tenant B, even with an
// admin token, cannot see or touch tenant A's agent `x` (404 on every route), creates
// its own `x` beside it, and never reads A's audit events.
import { describe, expect, it } from "vitest";
import { type Body, expectProblem, newId } from "./http.ts";
import { admin, client, expectForbidden, expectOk, readAudit, snapshot } from "./security.ts";
import { newTenant } from "./tokens.ts";

/** Tenant A with a counter `x` at 4 holding a grant, a checkpoint of it, and tenant B's admin. */
const twoTenants = async () => {
  const a = newTenant("a");
  const b = newTenant("b");
  const adminA = await admin(a);
  const adminB = await admin(b);
  const x = newId("x");
  expect((await adminA.post("/v1/agents", { type: "counter", id: x })).status).toBe(201);
  expect((await adminA.post(`/v1/agents/${x}/actions/increment`, { by: 4 })).status).toBe(200);
  const grant: Body = expectOk(await adminA.post(`/v1/agents/${x}/grants`, { name: "agents:read:counter" }));
  const checkpoint: Body = expectOk(await adminA.post(`/v1/agents/${x}/checkpoint`));
  return { a, b, adminA, adminB, x, grant, checkpoint };
};

describe("another tenant's agent", () => {
  it("answers 404 to tenant B's admin on every route and stays unchanged", async () => {
    const { a, adminB, x, grant } = await twoTenants();
    const before = await snapshot(a, x);
    const attempts: [string, string, unknown?][] = [
      ["GET", `/v1/agents/${x}`],
      ["POST", `/v1/agents/${x}/actions/increment`, { by: 100 }],
      ["POST", `/v1/agents/${x}/pause`],
      ["POST", `/v1/agents/${x}/resume`],
      ["POST", `/v1/agents/${x}/stop`],
      ["POST", `/v1/agents/${x}/checkpoint`],
      ["GET", `/v1/agents/${x}/grants`],
      ["POST", `/v1/agents/${x}/grants`, { name: "agents:manage:counter" }],
      ["DELETE", `/v1/agents/${x}/grants/${grant.id}`],
      ["DELETE", `/v1/agents/${x}`],
    ];
    for (const [method, path, body] of attempts) {
      const problem = expectProblem(await adminB.send(method, path, body), 404, "not-found");
      expect(problem.detail, `${method} ${path}`).toContain(x);
    }
    expect(await snapshot(a, x)).toEqual(before);
    expect(before).toMatchObject({ status: 200, agent: { state: { value: 4 }, status: "running" }, grants: { items: [{ id: grant.id }] } });
  });

  it("restoring A's checkpoint into A's id as B creates B's own agent and leaves A's alone", async () => {
    const { a, b, adminB, x, checkpoint } = await twoTenants();
    const before = await snapshot(a, x);
    const restored = await adminB.post(`/v1/agents/${x}/restore`, checkpoint);
    expect(restored.status, restored.text).toBe(201);
    expect(restored.body).toMatchObject({ id: x, state: { value: 4 } });
    expect((await adminB.post(`/v1/agents/${x}/actions/increment`, { by: 10 })).body).toEqual({ value: 14 });
    expect((await snapshot(b, x)).agent.state).toEqual({ value: 14 });
    expect(await snapshot(a, x)).toEqual(before);
    expect((await adminB.del(`/v1/agents/${x}`)).status).toBe(204);
    expect((await snapshot(b, x)).status).toBe(404);
    expect(await snapshot(a, x)).toEqual(before);
  });

  it("lets B spawn its own x (201, not 'already exists'), even of another type; both keep their own state", async () => {
    const { a, b, adminA, adminB, x } = await twoTenants();
    const spawned = await adminB.post("/v1/agents", { type: "data_processor", id: x });
    expect(spawned.status, spawned.text).toBe(201);
    expect(spawned.body).toMatchObject({ id: x, type: "data_processor" });
    expect((await adminA.post(`/v1/agents/${x}/actions/increment`, { by: 1 })).body).toEqual({ value: 5 });
    const processed = await adminB.post(`/v1/agents/${x}/actions/process_stream`, { format: "json", payload: "[{}]" });
    expect(processed.status, processed.text).toBe(200);
    expect((await snapshot(a, x)).agent).toMatchObject({ type: "counter", state: { value: 5 } });
    expect((await snapshot(b, x)).agent).toMatchObject({ type: "data_processor", state: { batches: 1 } });
  });

  it("lets B create its own counter x with a separate state", async () => {
    const { a, b, adminA, adminB, x } = await twoTenants();
    expect((await adminB.post("/v1/agents", { type: "counter", id: x, state: { value: 100 } })).status).toBe(201);
    expect((await adminB.post(`/v1/agents/${x}/actions/increment`, { by: 1 })).body).toEqual({ value: 101 });
    expect((await adminA.post(`/v1/agents/${x}/actions/increment`, { by: 1 })).body).toEqual({ value: 5 });
    expect((await snapshot(a, x)).agent.state).toEqual({ value: 5 });
    expect((await snapshot(b, x)).agent.state).toEqual({ value: 101 });
  });

  it("keeps agent-to-agent calls inside the caller's tenant", async () => {
    const { a, b, adminB, x } = await twoTenants();
    const before = await snapshot(a, x);
    const relay = newId("relay");
    expect((await adminB.post("/v1/agents", { type: "relay", id: relay })).status).toBe(201);
    expect((await adminB.post(`/v1/agents/${relay}/grants`, { name: "agents:call:counter.increment" })).status).toBe(201);
    const reply = await adminB.post(`/v1/agents/${relay}/actions/forward`, { target: x, by: 1 });
    expect(expectProblem(reply, 422, "action-failed").code).toBe("not-found");
    expect(await snapshot(a, x)).toEqual(before);
    expect((await snapshot(b, x)).status).toBe(404);
  });
});

describe("the audit stream per tenant", () => {
  it("never shows tenant A's denials to tenant B", async () => {
    const { a, b, x } = await twoTenants();
    const noneA = await client({ tenant: a, subject: "a-nobody", caps: [] });
    expectForbidden(await noneA.get(`/v1/agents/${x}`), "agents:read:counter");
    expect(await readAudit(b)).toEqual([]);
    const eventsA = await readAudit(a);
    expect(eventsA.map((event) => event.data)).toEqual([
      { who: "principal:a-nobody", what: "agents:read:counter", why: expect.any(String), resource: `agent/counter/${x}` },
    ]);

    const noneB = await client({ tenant: b, subject: "b-nobody", caps: [] });
    expectForbidden(await noneB.get("/v1/agent-types"), "agent-types:read");
    const readerB = await client({ tenant: b, caps: ["events:read:audit"] });
    const pageB = await readerB.get("/v1/streams/audit/events");
    expect(pageB.status, pageB.text).toBe(200);
    expect(pageB.body.items.map((event: Body) => [event.tenant, event.data.who])).toEqual([[b, "principal:b-nobody"]]);
    expect(await readAudit(a)).toEqual(eventsA);
  });
});
