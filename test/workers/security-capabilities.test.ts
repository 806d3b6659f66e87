// Capabilities on every route: a token without the capability a route needs gets 403
// naming it (member and detail), nothing changes, and the denial is on the tenant's
// audit stream. Globs, expiry and constraints of grants decide as documented.
import { describe, expect, it } from "vitest";
import { type Body, newId } from "./http.ts";
import { admin, client, type Client, type Denied, expectAudited, expectForbidden, expectOk, snapshot } from "./security.ts";
import { fixtureState, makeFixture, routeCases } from "./security-routes.ts";
import { newTenant } from "./tokens.ts";
import type { TokenCapability } from "../../src/platform/security/claims.ts";

/** A fresh tenant with a counter `id` at value `value`, its admin, and a token holding `caps`. */
const setup = async (caps: TokenCapability[], subject = newId("who")) => {
  const tenant = newTenant("caps");
  const owner = await admin(tenant);
  const id = newId("c");
  expect((await owner.post("/v1/agents", { type: "counter", id })).status).toBe(201);
  return { tenant, owner, id, subject, holder: await client({ tenant, subject, caps }) };
};

const valueOf = async (owner: Client, id: string): Promise<number> => (await owner.get(`/v1/agents/${id}`)).body.state.value;

describe("a token without capabilities", () => {
  it("is refused on every route with 403 naming the capability; nothing changes; every denial is audited in order", async () => {
    const tenant = newTenant("caps");
    const fixture = await makeFixture(tenant);
    const before = await fixtureState(fixture);
    const none = await client({ tenant, subject: "nobody", caps: [] });
    const denied: Denied[] = [];
    for (const route of routeCases(fixture)) {
      const reply = await none.send(route.method, route.path, route.body);
      if (route.capability === null) {
        expect(reply.status, route.route).toBe(200);
        continue;
      }
      expectForbidden(reply, route.capability);
      denied.push({ who: "principal:nobody", what: route.capability, resource: route.resource ?? "", why: `no grant of '${route.capability}'` });
    }
    expect(denied.map((denial) => denial.what)).toEqual(
      expect.arrayContaining([
        "agents:spawn:counter",
        "agents:read:counter",
        "agents:call:counter.increment",
        "agents:manage:counter",
        "agents:checkpoint:counter",
        "agents:restore:counter",
        "agents:grant:counter",
        "agents:schedule:counter",
        "agent-types:read",
        "events:read:audit",
        "events:subscribe",
      ]),
    );
    expect(await fixtureState(fixture)).toEqual(before);
    await expectAudited(tenant, denied);
  });
});

describe("glob grants", () => {
  it("agents:call:counter.* allows increment and nothing else", async () => {
    const { tenant, owner, id, holder, subject } = await setup(["agents:call:counter.*"]);
    expect((await holder.post(`/v1/agents/${id}/actions/increment`, { by: 3 })).body).toEqual({ value: 3 });
    expectForbidden(await holder.get(`/v1/agents/${id}`), "agents:read:counter");
    expectForbidden(await holder.post(`/v1/agents/${id}/pause`), "agents:manage:counter");
    expect((await snapshot(tenant, id)).agent).toMatchObject({ status: "running", state: { value: 3 } });
    await expectAudited(tenant, [
      { who: `principal:${subject}`, what: "agents:read:counter", resource: `agent/counter/${id}` },
      { who: `principal:${subject}`, what: "agents:manage:counter", resource: `agent/counter/${id}` },
    ]);
    expect(await valueOf(owner, id)).toBe(3);
  });

  it("agents:call:*.increment allows increment of any type, not another action", async () => {
    const { tenant, owner, id, holder, subject } = await setup(["agents:call:*.increment"]);
    const processor = newId("p");
    expect((await owner.post("/v1/agents", { type: "data_processor", id: processor })).status).toBe(201);
    expect((await holder.post(`/v1/agents/${id}/actions/increment`, { by: 4 })).body).toEqual({ value: 4 });
    const refused = await holder.post(`/v1/agents/${processor}/actions/process_stream`, { format: "json", payload: "[]" });
    expectForbidden(refused, "agents:call:data_processor.process_stream");
    expect((await snapshot(tenant, processor)).agent.state.batches).toBe(0);
    await expectAudited(tenant, [
      { who: `principal:${subject}`, what: "agents:call:data_processor.process_stream", resource: `agent/data_processor/${processor}` },
    ]);
  });

  it("agents:* allows every agent route, but not the audit stream or agent types", async () => {
    const tenant = newTenant("caps");
    const fixture = await makeFixture(tenant);
    const holder = await client({ tenant, subject: "agents-all", caps: ["agents:*"] });
    const denied: Denied[] = [];
    for (const route of routeCases(fixture)) {
      const reply = await holder.send(route.method, route.path, route.body);
      if (route.capability === null || route.capability.startsWith("agents:")) {
        expectOk(reply);
      } else {
        expectForbidden(reply, route.capability);
        denied.push({ who: "principal:agents-all", what: route.capability, resource: route.resource ?? "" });
      }
    }
    expect(denied.map((denial) => denial.what)).toEqual(expect.arrayContaining(["agent-types:read", "events:read:audit", "events:subscribe"]));
    expect(denied.some((denial) => denial.what.startsWith("agents:"))).toBe(false);
    // The table ends by deleting the fixture agent; its spawn and restore ran.
    expect((await snapshot(tenant, fixture.id)).status).toBe(404);
    expect((await snapshot(tenant, fixture.spawnId)).status).toBe(200);
    expect((await snapshot(tenant, fixture.restoreId)).agent.state).toEqual({ value: 2 });
    await expectAudited(tenant, denied);
  });
});

describe("grant expiry and constraints", () => {
  it("refuses an expired grant with 403 saying it expired; nothing changes", async () => {
    const expiredAt = new Date(Date.now() - 60_000).toISOString();
    const { tenant, owner, id, holder, subject } = await setup([{ name: "agents:call:counter.increment", expires_at: expiredAt }]);
    const body = expectForbidden(await holder.post(`/v1/agents/${id}/actions/increment`, { by: 1 }), "agents:call:counter.increment");
    expect(body.detail).toMatch(/expired/);
    expect(await valueOf(owner, id)).toBe(0);
    await expectAudited(tenant, [
      { who: `principal:${subject}`, what: "agents:call:counter.increment", resource: `agent/counter/${id}`, why: expect.stringMatching(/expired/) },
    ]);
  });

  it("accepts a grant that expires later", async () => {
    const later = new Date(Date.now() + 3600_000).toISOString();
    const { owner, id, holder } = await setup([{ name: "agents:call:counter.increment", expires_at: later }]);
    expect((await holder.post(`/v1/agents/${id}/actions/increment`, { by: 1 })).status).toBe(200);
    expect(await valueOf(owner, id)).toBe(1);
  });

  it("enforces maxBy: by 5 passes, by 50 is 403 and the state is unchanged", async () => {
    const { tenant, owner, id, holder, subject } = await setup([{ name: "agents:call:counter.increment", constraints: { maxBy: 10 } }]);
    expect((await holder.post(`/v1/agents/${id}/actions/increment`, { by: 5 })).body).toEqual({ value: 5 });
    const body = expectForbidden(await holder.post(`/v1/agents/${id}/actions/increment`, { by: 50 }), "agents:call:counter.increment");
    expect(body.detail).toMatch(/maxBy/);
    const agent: Body = (await snapshot(tenant, id)).agent;
    expect(agent).toMatchObject({ state: { value: 5 }, stateVersion: 1, counters: { calls: 1, failures: 0 } });
    expect(await valueOf(owner, id)).toBe(5);
    await expectAudited(tenant, [
      { who: `principal:${subject}`, what: "agents:call:counter.increment", resource: `agent/counter/${id}`, why: expect.stringMatching(/'by' is 50/) },
    ]);
  });

  it("enforces a membership constraint: input without the field is refused", async () => {
    const { tenant, owner, id, holder, subject } = await setup([{ name: "agents:call:counter.increment", constraints: { region: ["us"] } }]);
    const body = expectForbidden(await holder.post(`/v1/agents/${id}/actions/increment`, { by: 1 }), "agents:call:counter.increment");
    expect(body.detail).toMatch(/region/);
    expect(await valueOf(owner, id)).toBe(0);
    await expectAudited(tenant, [
      { who: `principal:${subject}`, what: "agents:call:counter.increment", resource: `agent/counter/${id}`, why: expect.stringMatching(/'region' is required/) },
    ]);
  });

  it("uses any matching grant: a constrained grant next to an unconstrained one does not block", async () => {
    const { owner, id, holder } = await setup([
      { name: "agents:call:counter.increment", constraints: { maxBy: 1 } },
      "agents:call:counter.increment",
    ]);
    expect((await holder.post(`/v1/agents/${id}/actions/increment`, { by: 7 })).body).toEqual({ value: 7 });
    expect(await valueOf(owner, id)).toBe(7);
  });
});
