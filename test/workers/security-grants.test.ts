// Agent grants and agent-to-agent calls: an action calling another agent is checked
// against the calling agent's own grants; grants are given (only by a holder), listed
// with pagination, revoked, constrained, and carried through checkpoint and restore.
import { describe, expect, it } from "vitest";
import { type Body, expectProblem, newId } from "./http.ts";
import { admin, client, type Client, expectAudited, expectForbidden, expectOk, snapshot } from "./security.ts";
import { newTenant } from "./tokens.ts";

const CALL = "agents:call:counter.increment";

/** A fresh tenant with a counter `target` and a relay agent `relay` that calls it. */
const setup = async () => {
  const tenant = newTenant("grants");
  const owner = await admin(tenant);
  const target = newId("target");
  const relay = newId("relay");
  expect((await owner.post("/v1/agents", { type: "counter", id: target })).status).toBe(201);
  expect((await owner.post("/v1/agents", { type: "relay", id: relay })).status).toBe(201);
  const forward = (by: number, headers?: Record<string, string>, action = "forward", from = relay) =>
    owner.post(`/v1/agents/${from}/actions/${action}`, { target, by }, headers);
  const value = async (): Promise<number> => (await snapshot(tenant, target)).agent.state.value;
  return { tenant, owner, target, relay, forward, value };
};

const grant = async (by: Client, id: string, body: unknown): Promise<Body> => {
  const reply = await by.post(`/v1/agents/${id}/grants`, body);
  expect(reply.status, reply.text).toBe(201);
  return reply.body;
};

/** A failed outer call whose inner call was refused: 422 action-failed with code forbidden. */
const expectInnerRefusal = (reply: Awaited<ReturnType<Client["post"]>>): Body => {
  const body = expectProblem(reply, 422, "action-failed");
  expect(body.code).toBe("forbidden");
  expect(body.detail).toContain("403");
  return body;
};

describe("agent-to-agent calls", () => {
  it("are refused without a grant (ctx.call and ctx.agent(...).call), audited as the calling agent", async () => {
    const { tenant, target, relay, forward, value } = await setup();
    expectInnerRefusal(await forward(3));
    expectInnerRefusal(await forward(3, undefined, "forward_typed"));
    expect(await value()).toBe(0);
    expect((await snapshot(tenant, relay)).agent).toMatchObject({ state: { relayed: 0 }, stateVersion: 0 });
    const refusal = { who: `agent:relay/${relay}`, what: CALL, resource: `agent/counter/${target}`, why: `no grant of '${CALL}'` };
    await expectAudited(tenant, [refusal, refusal]);
  });

  it("work once granted, exactly once per Idempotency-Key, and stop when the grant is revoked", async () => {
    const { tenant, owner, relay, forward, value } = await setup();
    const key = { "idempotency-key": newId("k") };
    expectInnerRefusal(await forward(3, key));

    const given = await grant(owner, relay, { name: CALL });
    expect(given).toEqual({
      id: expect.stringMatching(/^grt_/),
      name: CALL,
      constraints: {},
      grantedBy: "principal:tester",
      expiresAt: null,
      createdAt: expect.any(String),
    });
    const first = await forward(3, key);
    expect(first.status, first.text).toBe(200);
    expect(first.body).toEqual({ value: 3 });
    const again = await Promise.all([forward(3, key), forward(3, key)]);
    for (const reply of again) {
      expect(reply.body).toEqual({ value: 3 });
      expect(reply.headers.get("idempotent-replayed")).toBe("true");
    }
    expect(await value()).toBe(3);
    expect((await forward(2, undefined, "forward_typed")).body).toEqual({ value: 5 });
    expect((await snapshot(tenant, relay)).agent.state).toEqual({ relayed: 2 });

    expect((await owner.del(`/v1/agents/${relay}/grants/${given.id}`)).status).toBe(204);
    expect((await owner.get(`/v1/agents/${relay}/grants`)).body).toEqual({ items: [], next: null });
    expectInnerRefusal(await forward(1));
    expect(await value()).toBe(5);
    expectProblem(await owner.del(`/v1/agents/${relay}/grants/${given.id}`), 404, "not-found");
  });

  it("are held to the grant's constraints", async () => {
    const { tenant, owner, target, relay, forward, value } = await setup();
    await grant(owner, relay, { name: CALL, constraints: { maxBy: 10 } });
    expect((await forward(5)).body).toEqual({ value: 5 });
    const refused = expectInnerRefusal(await forward(50));
    expect(refused.detail).toMatch(/maxBy/);
    expect(await value()).toBe(5);
    await expectAudited(tenant, [
      { who: `agent:relay/${relay}`, what: CALL, resource: `agent/counter/${target}`, why: expect.stringMatching(/'by' is 50, beyond maxBy 10/) },
    ]);
  });

  it("ignore an expired grant", async () => {
    const { owner, relay, forward, value } = await setup();
    const past = new Date(Date.now() - 1000).toISOString();
    await grant(owner, relay, { name: CALL, expires_at: past });
    expectInnerRefusal(await forward(1));
    expect(await value()).toBe(0);
  });
});

describe("granting", () => {
  it("lists grants in pages", async () => {
    const { owner, relay } = await setup();
    const names = ["agents:read:counter", "agents:call:counter.increment", "agents:manage:counter", "agents:read:relay", "events:read:audit"];
    const ids: string[] = [];
    for (const name of names) ids.push((await grant(owner, relay, { name })).id);
    const seen: Body[] = [];
    let path = `/v1/agents/${relay}/grants?limit=2`;
    for (let page = 0; page < 5; page++) {
      const reply = await owner.get(path);
      expect(reply.status, reply.text).toBe(200);
      expect(reply.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...reply.body.items);
      if (reply.body.next === null) break;
      path = `/v1/agents/${relay}/grants?limit=2&cursor=${encodeURIComponent(reply.body.next)}`;
    }
    expect(seen.map((g) => g.id)).toEqual([...ids].sort());
    expect(seen.map((g) => g.name).sort()).toEqual([...names].sort());
  });

  it("refuses a capability the granter does not hold (403, audited, nothing added)", async () => {
    const { tenant, relay } = await setup();
    const granter = await client({ tenant, subject: "granter", caps: ["agents:grant:relay", CALL] });
    for (const name of ["agents:call:counter.*", "agents:manage:counter", "admin", "agents:*"]) {
      expectForbidden(await granter.post(`/v1/agents/${relay}/grants`, { name }), name);
    }
    expect((await grant(granter, relay, { name: CALL })).grantedBy).toBe("principal:granter");
    expect((await snapshot(tenant, relay)).grants.items.map((g: Body) => g.name)).toEqual([CALL]);
    const resource = `agent/relay/${relay}`;
    await expectAudited(
      tenant,
      ["agents:call:counter.*", "agents:manage:counter", "admin", "agents:*"].map((what) => ({ who: "principal:granter", what, resource })),
    );
  });

  it("refuses to pass on a constrained or expiring grant as a wider one", async () => {
    const { tenant, relay } = await setup();
    const later = new Date(Date.now() + 3600_000).toISOString();
    // A token living past `later`: a grant asked without an expiry ends with the token (after `later`).
    const granter = await client({
      tenant,
      ttlSeconds: 7200,
      caps: ["agents:grant:relay", { name: CALL, constraints: { maxBy: 10 } }, { name: "agents:read:counter", expires_at: later }],
    });
    expectForbidden(await granter.post(`/v1/agents/${relay}/grants`, { name: CALL }), CALL);
    expectForbidden(await granter.post(`/v1/agents/${relay}/grants`, { name: CALL, constraints: { maxBy: 100 } }), CALL);
    expectForbidden(await granter.post(`/v1/agents/${relay}/grants`, { name: "agents:read:counter" }), "agents:read:counter");
    await grant(granter, relay, { name: CALL, constraints: { maxBy: 10 } });
    await grant(granter, relay, { name: "agents:read:counter", expires_at: later });
    expect((await snapshot(tenant, relay)).grants.items).toHaveLength(2);
  });

  it("needs agents:grant:<type> to give, list or revoke", async () => {
    const { tenant, owner, relay } = await setup();
    const given = await grant(owner, relay, { name: CALL });
    const holder = await client({ tenant, caps: [CALL] });
    expectForbidden(await holder.post(`/v1/agents/${relay}/grants`, { name: CALL }), "agents:grant:relay");
    expectForbidden(await holder.get(`/v1/agents/${relay}/grants`), "agents:grant:relay");
    expectForbidden(await holder.del(`/v1/agents/${relay}/grants/${given.id}`), "agents:grant:relay");
    expect((await snapshot(tenant, relay)).grants.items).toEqual([given]);
  });
});

describe("grants in checkpoints", () => {
  it("are carried and restored: the restored agent may call as the original could", async () => {
    const { tenant, owner, relay, forward, value } = await setup();
    const given = await grant(owner, relay, { name: CALL, constraints: { maxBy: 10 } });
    const checkpoint: Body = expectOk(await owner.post(`/v1/agents/${relay}/checkpoint`));
    expect(checkpoint.grants).toEqual([given]);
    const copy = newId("relay-copy");
    expect((await owner.post(`/v1/agents/${copy}/restore`, checkpoint)).status).toBe(201);
    expect((await snapshot(tenant, copy)).grants).toEqual({ items: [given], next: null });
    expect((await forward(4, undefined, "forward", copy)).body).toEqual({ value: 4 });
    expectInnerRefusal(await forward(40, undefined, "forward", copy));
    expect((await owner.del(`/v1/agents/${relay}/grants/${given.id}`)).status).toBe(204);
    expect((await forward(1, undefined, "forward", copy)).body).toEqual({ value: 5 });
    expect(await value()).toBe(5);
  });

  it("cannot be used to give an agent grants the restorer does not hold", async () => {
    const { tenant, owner, relay } = await setup();
    await grant(owner, relay, { name: CALL });
    const checkpoint: Body = expectOk(await owner.post(`/v1/agents/${relay}/checkpoint`));
    const forged = { ...checkpoint, grants: [...checkpoint.grants, { ...checkpoint.grants[0], id: "grt_forged", name: "admin" }] };
    const restorer = await client({ tenant, subject: "restorer", caps: ["agents:restore:relay", CALL] });
    const copy = newId("relay-copy");
    expectForbidden(await restorer.post(`/v1/agents/${copy}/restore`, forged), "admin");
    expect((await snapshot(tenant, copy)).status).toBe(404);
    expect((await restorer.post(`/v1/agents/${copy}/restore`, checkpoint)).status).toBe(201);
    expect((await snapshot(tenant, copy)).grants.items.map((g: Body) => g.name)).toEqual([CALL]);
  });
});
