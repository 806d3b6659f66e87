// Events and subscriptions under the capability model: publishing needs
// events:publish:<type> (with its constraints on the event's data); a subscription reads
// the streams it applies to, so creating one needs events:read on them; the audit
// stream is written by the platform alone; streams are per tenant.
import { describe, expect, it } from "vitest";
import { type Body, expectInvalid, newId } from "./http.ts";
import { admin, client, expectAudited, expectForbidden, readAudit } from "./security.ts";
import { newTenant } from "./tokens.ts";

const webhook = (stream?: string) => ({
  id: newId("sub"),
  patterns: ["#"],
  ...(stream === undefined ? {} : { stream }),
  target: { kind: "webhook", url: "https://example.com/hook" },
});

const subscriptionIds = async (tenant: string): Promise<string[]> =>
  (await (await admin(tenant)).get("/v1/subscriptions?limit=1000")).body.items.map((item: Body) => item.id);

describe("subscriptions", () => {
  it("need events:read on the stream they deliver, so events:subscribe alone cannot export the audit stream", async () => {
    const tenant = newTenant("ev");
    const subscriber = await client({ tenant, subject: "subscriber", caps: ["events:subscribe"] });
    expectForbidden(await subscriber.post("/v1/subscriptions", webhook("audit")), "events:read:audit");
    expectForbidden(await subscriber.post("/v1/subscriptions", webhook()), "events:read:*");
    expect(await subscriptionIds(tenant)).toEqual([]);
    await expectAudited(tenant, [
      { who: "principal:subscriber", what: "events:read:audit", resource: "stream/audit" },
      { who: "principal:subscriber", what: "events:read:*", resource: "streams" },
    ]);
  });

  it("are created by a token that may read the stream", async () => {
    const tenant = newTenant("ev");
    const reader = await client({ tenant, caps: ["events:subscribe", "events:read:orders"] });
    const created = await reader.post("/v1/subscriptions", webhook("orders"));
    expect(created.status, created.text).toBe(201);
    expectForbidden(await reader.post("/v1/subscriptions", webhook("audit")), "events:read:audit");
    expect(await subscriptionIds(tenant)).toEqual([created.body.id]);
  });
});

describe("a subscription's agent target", () => {
  const toAgent = (agent: string, action = "increment", input: unknown = { by: 1 }) => ({
    id: newId("sub"),
    patterns: ["orders.#"],
    target: { kind: "agent", agent, action, input },
  });

  it("is checked for existence and type even without agent capabilities, revealing nothing more", async () => {
    const tenant = newTenant("ev");
    const owner = await admin(tenant);
    expect((await owner.post("/v1/agents", { type: "counter", id: "secret-counter", state: { value: 987_654_321 } })).status).toBe(201);
    const subscriber = await client({ tenant, subject: "subscriber", caps: ["events:subscribe", "events:read:*"] });
    const missing = await subscriber.post("/v1/subscriptions", toAgent("nobody"));
    expect(missing.status, missing.text).toBe(400);
    expect(missing.body.errors).toEqual([{ path: "target.agent", message: "agent 'nobody' not found" }]);
    const wrongAction = await subscriber.post("/v1/subscriptions", toAgent("secret-counter", "reset"));
    expect(wrongAction.body.errors).toEqual([{ path: "target.action", message: expect.stringContaining("of type 'counter'") }]);
    expect(wrongAction.text).not.toContain("987654321");
    expect(await subscriptionIds(tenant)).toEqual([]);
    // Reading the agent is still refused.
    expectForbidden(await subscriber.get("/v1/agents/secret-counter"), "agents:read:counter");
  });

  it("needs the creator to hold agents:call for the action (a subscription acts for it): 403 audited, nothing created", async () => {
    const tenant = newTenant("ev");
    const owner = await admin(tenant);
    expect((await owner.post("/v1/agents", { type: "counter", id: "c", state: { value: 0 } })).status).toBe(201);
    const reader = await client({ tenant, subject: "reader", caps: ["events:subscribe", "events:read:*"] });
    expectForbidden(await reader.post("/v1/subscriptions", toAgent("c")), "agents:call:counter.increment");
    // A grant's constraints are checked against a constant input now...
    const capped = { name: "agents:call:counter.increment", constraints: { maxBy: 1 } };
    const limited = await client({ tenant, subject: "limited", caps: ["events:subscribe", "events:read:*", capped] });
    expectForbidden(await limited.post("/v1/subscriptions", toAgent("c", "increment", { by: 5 })), "agents:call:counter.increment");
    expect(await subscriptionIds(tenant)).toEqual([]);
    await expectAudited(tenant, [
      { who: "principal:reader", what: "agents:call:counter.increment", resource: "agent/counter/c" },
      { who: "principal:limited", what: "agents:call:counter.increment", resource: "agent/counter/c" },
    ]);
    // ...and against input taken from events only per event, at delivery.
    expect((await limited.post("/v1/subscriptions", toAgent("c", "increment", { by: 1 }))).status).toBe(201);
    expect((await limited.post("/v1/subscriptions", toAgent("c", "increment", { by: "$.data.qty" }))).status).toBe(201);
    expect(await subscriptionIds(tenant)).toHaveLength(2);
  });

  it("is not looked at before the caller may subscribe: 403, nothing learned", async () => {
    const tenant = newTenant("ev");
    const outsider = await client({ tenant, subject: "outsider", caps: ["events:read:*"] });
    const reply = await outsider.post("/v1/subscriptions", toAgent("nobody"));
    expectForbidden(reply, "events:subscribe");
    expect(reply.text).not.toContain("not found");
    expect(await subscriptionIds(tenant)).toEqual([]);
  });
});

describe("publishing", () => {
  it("needs events:publish:<type>, with its constraints checked against the data", async () => {
    const tenant = newTenant("ev");
    const owner = await admin(tenant);
    const publisher = await client({
      tenant,
      subject: "publisher",
      caps: [{ name: "events:publish:orders.*", constraints: { region: ["eu"] } }],
    });
    const ok = await publisher.post("/v1/events", { source: "shop", type: "orders.created", data: { region: "eu" } });
    expect(ok.status, ok.text).toBe(201);
    expectForbidden(await publisher.post("/v1/events", { source: "shop", type: "orders.created", data: { region: "us" } }), "events:publish:orders.created");
    expectForbidden(await publisher.post("/v1/events", { source: "shop", type: "billing.charged", data: { region: "eu" } }), "events:publish:billing.charged");
    // A batch with one refused event stores none of it.
    const batch = [
      { source: "shop", type: "orders.created", data: { region: "eu" } },
      { source: "shop", type: "orders.created", data: { region: "us" } },
    ];
    expectForbidden(await publisher.post("/v1/events", batch), "events:publish:orders.created");
    const stored = await owner.get("/v1/streams/orders/events");
    expect(stored.body.items.map((event: Body) => event.data)).toEqual([{ region: "eu" }]);
    expect((await readAudit(tenant)).map((event) => event.data.what)).toEqual([
      "events:publish:orders.created",
      "events:publish:billing.charged",
      "events:publish:orders.created",
    ]);
  });

  it("never writes to the audit stream, not even for an admin", async () => {
    const tenant = newTenant("ev");
    const owner = await admin(tenant);
    const forged = { source: "platform/security", type: "security.access.denied", data: { who: "nobody", what: "x", why: "y", resource: "z" } };
    expectInvalid(await owner.post("/v1/events", { ...forged, stream: "audit" }), "stream");
    expectInvalid(await owner.post("/v1/events", { source: "x", type: "audit.entry", data: {} }), "stream");
    expectInvalid(await owner.post("/v1/events", [{ source: "x", type: "orders.created" }, { ...forged, stream: "audit" }]), "1.stream");
    expect(await readAudit(tenant)).toEqual([]);
    expect((await owner.get("/v1/streams/orders/events")).body.items).toEqual([]);
  });

  it("stays in the publisher's tenant", async () => {
    const a = newTenant("ev-a");
    const b = newTenant("ev-b");
    const published = await (await admin(a)).post("/v1/events", { source: "shop", type: "orders.created", data: { n: 1 } });
    expect(published.status, published.text).toBe(201);
    expect((await (await admin(a)).get("/v1/streams/orders/events")).body.items).toHaveLength(1);
    expect((await (await admin(b)).get("/v1/streams/orders/events")).body.items).toEqual([]);
  });
});
