// The audit stream: every denial (a missing, expired or constrained grant, a refused
// delegation or restore, an agent's refused call) is a CloudEvent
// `security.access.denied` on the tenant's `audit` stream, with data {who, what, why,
// resource}, in the order the denials were answered, with gap-free sequence numbers.
// Allowed requests, 401s and 404s leave no record there.
import { describe, expect, it } from "vitest";
import { type Body, newId } from "./http.ts";
import { admin, client, expectAudited, expectForbidden, readAudit } from "./security.ts";
import { newTenant } from "./tokens.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("the audit stream", () => {
  it("records every kind of denial in order, as CloudEvents with gap-free sequences", async () => {
    const tenant = newTenant("audit");
    const owner = await admin(tenant);
    const counter = newId("c");
    const relay = newId("r");
    expect((await owner.post("/v1/agents", { type: "counter", id: counter })).status).toBe(201);
    expect((await owner.post("/v1/agents", { type: "relay", id: relay })).status).toBe(201);
    const checkpoint: Body = (await owner.post(`/v1/agents/${relay}/checkpoint`)).body;

    const past = new Date(Date.now() - 1000).toISOString();
    const mixed = await client({
      tenant,
      subject: "mixed",
      caps: [
        { name: "agents:call:counter.increment", constraints: { maxBy: 10 } },
        { name: "agents:read:counter", expires_at: past },
        "agents:grant:relay",
        "agents:restore:relay",
      ],
    });
    const who = "principal:mixed";
    const at = (type: string, id: string) => `agent/${type}/${id}`;
    const c = at("counter", counter);
    const r = at("relay", relay);

    expectForbidden(await mixed.get(`/v1/agents/${counter}`), "agents:read:counter");
    expectForbidden(await mixed.post(`/v1/agents/${counter}/actions/increment`, { by: 11 }), "agents:call:counter.increment");
    expect((await mixed.post(`/v1/agents/${counter}/actions/increment`, { by: 10 })).status).toBe(200);
    expectForbidden(await mixed.post(`/v1/agents/${counter}/pause`), "agents:manage:counter");
    expectForbidden(await mixed.post(`/v1/agents/${relay}/grants`, { name: "agents:call:counter.increment" }), "agents:call:counter.increment");
    const forged = { ...checkpoint, grants: [{ id: "grt_forged", name: "admin", constraints: {}, grantedBy: "me", expiresAt: null, createdAt: checkpoint.takenAt }] };
    const copy = newId("copy");
    expectForbidden(await mixed.post(`/v1/agents/${copy}/restore`, forged), "admin");
    const inner = await owner.post(`/v1/agents/${relay}/actions/forward`, { target: counter, by: 1 });
    expect(inner.status, inner.text).toBe(422);
    expectForbidden(await mixed.get("/v1/streams/audit/events"), "events:read:audit");
    // Neither a 404 nor a 401 is an audited denial.
    expect((await mixed.post(`/v1/agents/${newId()}/actions/increment`, { by: 1 })).status).toBe(404);
    expect((await (await client({ tenant, caps: ["admin"], ttlSeconds: -7200 })).get("/v1/agent-types")).status).toBe(401);

    const events = await expectAudited(tenant, [
      { who, what: "agents:read:counter", resource: c, why: expect.stringMatching(/expired at/) },
      { who, what: "agents:call:counter.increment", resource: c, why: expect.stringMatching(/'by' is 11, beyond maxBy 10/) },
      { who, what: "agents:manage:counter", resource: c, why: "no grant of 'agents:manage:counter'" },
      { who, what: "agents:call:counter.increment", resource: r, why: expect.stringMatching(/holds itself/) },
      { who, what: "admin", resource: at("relay", copy), why: expect.stringMatching(/holds itself/) },
      { who: `agent:relay/${relay}`, what: "agents:call:counter.increment", resource: c, why: "no grant of 'agents:call:counter.increment'" },
      { who, what: "events:read:audit", resource: "stream/audit", why: "no grant of 'events:read:audit'" },
    ]);
    for (const event of events) {
      expect(event).toMatchObject({ specversion: "1.0", datacontenttype: "application/json", source: "platform/security", id: expect.stringMatching(UUID) });
      expect(Date.parse(event.time)).not.toBeNaN();
    }
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
    const times = events.map((event) => Date.parse(event.time));
    expect(times).toEqual([...times].sort((x, y) => x - y));
  });

  it("pages in order from any sequence, with `next` until the end", async () => {
    const tenant = newTenant("audit");
    const none = await client({ tenant, subject: "pager", caps: [] });
    for (let i = 0; i < 5; i++) expectForbidden(await none.get(`/v1/agent-types/counter`), "agent-types:read");
    const all = await readAudit(tenant);
    expect(all).toHaveLength(5);
    expect(await readAudit(tenant, 2)).toEqual(all);
    const owner = await admin(tenant);
    const tail = await owner.get("/v1/streams/audit/events?from=4&limit=10");
    expect(tail.body).toEqual({ items: all.slice(3), next: null });
    const page = await owner.get("/v1/streams/audit/events?from=2&limit=2");
    expect(page.body).toEqual({ items: all.slice(1, 3), next: 4 });
  });

  it("is readable with events:read:audit or a glob of it, and nothing narrower", async () => {
    const tenant = newTenant("audit");
    const none = await client({ tenant, subject: "nobody", caps: [] });
    expectForbidden(await none.get("/v1/agent-types"), "agent-types:read");
    for (const caps of [["events:read:audit"], ["events:read:*"], ["events:*"]]) {
      const reply = await (await client({ tenant, caps })).get("/v1/streams/audit/events");
      expect(reply.status, `${caps}: ${reply.text}`).toBe(200);
      expect(reply.body.items.map((event: Body) => event.data.what)[0]).toBe("agent-types:read");
    }
    expectForbidden(await (await client({ tenant, subject: "orders", caps: ["events:read:orders"] })).get("/v1/streams/audit/events"), "events:read:audit");
    const events = await readAudit(tenant);
    expect(events.map((event) => [event.data.who, event.data.what])).toEqual([
      ["principal:nobody", "agent-types:read"],
      ["principal:orders", "events:read:audit"],
    ]);
  });
});
