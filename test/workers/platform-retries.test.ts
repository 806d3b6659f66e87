// The platform retries a call into an object when the runtime reports a transient fault,
// which may come after the object did its work: a retried create must find what the
// first attempt made. Subscription and grant ids are derived from the request's key
// (the client's Idempotency-Key, else a platform key made once per HTTP request), so
// calling the object again with the same key, as callDurable does, makes nothing new.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { busClient, spawnIn } from "./bus.ts";
import { expectProblem, newId } from "./http.ts";
import { typedStub } from "../../objects/durable/index.ts";
import { agentObjectName } from "../../src/platform/agent/naming.ts";
import { busObjectName } from "../../src/platform/events/naming.ts";
import type { Caller } from "../../src/platform/security/caller.ts";

const adminCaller = (tenant: string): Caller => ({ kind: "principal", subject: `${tenant}-admin`, tenant, grants: [{ name: "admin", constraints: {}, grantedBy: "test", expiresAt: null }] });
const busOf = (tenant: string) => typedStub(env.BUS.get(env.BUS.idFromName(busObjectName(tenant))));
const agentOf = (tenant: string, id: string) => typedStub(env.AGENTS.get(env.AGENTS.idFromName(agentObjectName(tenant, id))));

const webhook = { patterns: ["order.#"], target: { kind: "webhook" as const, url: "https://example.com/hook" } };

describe("a retried subscription create", () => {
  it("finds the subscription the first attempt made, and answers as the first answer did (secret included)", async () => {
    const bus = await busClient();
    const key = `platform:${crypto.randomUUID()}`;
    const first = await busOf(bus.tenant).create({ tenant: bus.tenant }, adminCaller(bus.tenant), webhook, key);
    const retried = await busOf(bus.tenant).create({ tenant: bus.tenant }, adminCaller(bus.tenant), webhook, key);
    expect([first, retried].map((result) => (result.ok ? "ok" : result.problem))).toEqual(["ok", "ok"]);
    if (!first.ok || !retried.ok) return;
    expect(retried.value.subscription.id).toBe(first.value.subscription.id);
    expect(retried.value).toMatchObject({ created: true, subscription: { secret: first.value.subscription.secret } });
    expect((await bus.send("GET", "/v1/subscriptions")).body.items.map((s: { id: string }) => s.id)).toEqual([first.value.subscription.id]);
  });

  it("over HTTP: the same Idempotency-Key makes one subscription; with another request it is refused (422)", async () => {
    const bus = await busClient();
    const headers = { "idempotency-key": newId("sub-key") };
    const first = await bus.send("POST", "/v1/subscriptions", webhook, headers);
    expect(first.status, first.text).toBe(201);
    const again = await bus.send("POST", "/v1/subscriptions", webhook, headers);
    expect(again.status, again.text).toBe(201);
    expect(again.body).toMatchObject({ id: first.body.id, secret: first.body.secret });
    expectProblem(await bus.send("POST", "/v1/subscriptions", { ...webhook, patterns: ["order.created"] }, headers), 422, "idempotency-key-reused");
    // Without a key, each request is its own.
    const other = await bus.send("POST", "/v1/subscriptions", webhook);
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(first.body.id);
    expect((await bus.send("GET", "/v1/subscriptions")).body.items).toHaveLength(2);
  });
});

describe("a retried grant", () => {
  const grant = { name: "agents:call:counter.increment", constraints: { maxBy: 10 } };

  it("finds the grant the first attempt made", async () => {
    const bus = await busClient();
    const id = newId("holder");
    await spawnIn(bus, "counter", id);
    const key = `platform:${crypto.randomUUID()}`;
    const first = await agentOf(bus.tenant, id).grant({ tenant: bus.tenant, id }, adminCaller(bus.tenant), grant, key);
    const retried = await agentOf(bus.tenant, id).grant({ tenant: bus.tenant, id }, adminCaller(bus.tenant), grant, key);
    expect([first, retried].map((result) => (result.ok ? "ok" : result.problem))).toEqual(["ok", "ok"]);
    if (!first.ok || !retried.ok) return;
    expect(retried.value).toEqual(first.value);
    expect((await bus.send("GET", `/v1/agents/${id}/grants`)).body.items).toHaveLength(1);
  });

  it("over HTTP: the same Idempotency-Key gives one grant; with another grant it is refused (422)", async () => {
    const bus = await busClient();
    const id = newId("holder");
    await spawnIn(bus, "counter", id);
    const headers = { "idempotency-key": newId("grant-key") };
    const first = await bus.send("POST", `/v1/agents/${id}/grants`, grant, headers);
    expect(first.status, first.text).toBe(201);
    const again = await bus.send("POST", `/v1/agents/${id}/grants`, grant, headers);
    expect(again.status, again.text).toBe(201);
    expect(again.body).toEqual(first.body);
    expectProblem(await bus.send("POST", `/v1/agents/${id}/grants`, { ...grant, constraints: { maxBy: 20 } }, headers), 422, "idempotency-key-reused");
    expect((await bus.send("POST", `/v1/agents/${id}/grants`, grant)).status).toBe(201);
    expect((await bus.send("GET", `/v1/agents/${id}/grants`)).body.items).toHaveLength(2);
  });
});
