// Capabilities that leak (the Hardening issue): a spawn answers an agent's state only to
// a caller who may read it; a spawn never takes over a failed agent; a restored outbox
// publishes only what the restorer may publish; publishing covers the stream an event
// lands in, and an event id belongs to its first publisher; platform streams take no
// retention through the API; cancelling and signalling a run are scoped by workflow.
import { describe, expect, it } from "vitest";
import { type Body, expectProblem, get, newId } from "./http.ts";
import { admin, client, expectAudited, expectForbidden, expectOk, readAudit, snapshot } from "./security.ts";
import { eventually } from "./eventually.ts";
import { newTenant } from "./tokens.ts";

const streamEvents = async (tenant: string, stream: string): Promise<Body[]> => (await (await admin(tenant)).get(`/v1/streams/${stream}/events?limit=1000`)).body.items;

describe("spawning an agent that exists", () => {
  it("answers only id and status to a caller without agents:read:<type>, the full view to one with it; nothing changes", async () => {
    const tenant = newTenant("leak");
    const owner = await admin(tenant);
    const id = newId("c");
    expectOk(await owner.post("/v1/agents", { type: "counter", id, state: { value: 987_654_321 } }));
    const before = await snapshot(tenant, id);
    const spawner = await client({ tenant, subject: "spawner", caps: ["agents:spawn:counter"] });
    const existing = await spawner.post("/v1/agents", { type: "counter", id });
    expect(existing.status, existing.text).toBe(200);
    expect(existing.body).toEqual({ id, status: "running" });
    // A value no random id can spell: the reduced answer carries nothing of the state.
    expect(existing.text).not.toContain("987654321");
    // A new agent is answered the same way: the caller may not read what onStart made of it.
    const fresh = newId("c");
    const created = await spawner.post("/v1/agents", { type: "counter", id: fresh, state: { value: 7 } });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toEqual({ id: fresh, status: "running" });
    const reader = await client({ tenant, caps: ["agents:spawn:counter", "agents:read:counter"] });
    const full = await reader.post("/v1/agents", { type: "counter", id });
    expect(full.status, full.text).toBe(200);
    expect(full.body).toMatchObject({ id, type: "counter", status: "running", state: { value: 987_654_321 } });
    expect(await snapshot(tenant, id)).toEqual(before);
    // Not a denial: nothing on the audit stream.
    expect(await readAudit(tenant)).toEqual([]);
  });

  it("documents the reduced answer in OpenAPI", async () => {
    const doc = (await get("/v1/openapi.json")).body;
    const responses = doc.paths["/v1/agents"].post.responses;
    for (const status of ["200", "201"]) {
      expect(responses[status].content["application/json"].schema).toEqual({
        anyOf: [{ $ref: "#/components/schemas/Agent" }, { $ref: "#/components/schemas/AgentSummary" }],
      });
    }
    expect(doc.components.schemas.AgentSummary).toMatchObject({ required: ["id", "status"] });
    expect(Object.keys(doc.components.schemas.AgentSummary.properties).sort()).toEqual(["id", "status"]);
  });
});

describe("spawning over a failed agent", () => {
  it("is refused with 409 (start it, or delete it first), whatever the type; state, grants and type stay", async () => {
    const tenant = newTenant("leak");
    const owner = await admin(tenant);
    const id = newId("h");
    expectProblem(await owner.post("/v1/agents", { type: "hooked", id, state: { startMode: "fail", started: 3 } }), 500, "agent-start-failed");
    expectOk(await owner.post(`/v1/agents/${id}/grants`, { name: "agents:call:counter.increment" }));
    const before = await snapshot(tenant, id);
    expect(before.agent).toMatchObject({ type: "hooked", status: "failed" });
    const again = expectProblem(await owner.post("/v1/agents", { type: "hooked", id, state: { startMode: "ok", started: 0 } }), 409, "conflict");
    expect(again).toMatchObject({ agentStatus: "failed" });
    expect(again.detail).toContain(`/v1/agents/${id}/start`);
    const otherType = expectProblem(await owner.post("/v1/agents", { type: "counter", id }), 409, "conflict");
    expect(otherType.agentType).toBe("hooked");
    expect(await snapshot(tenant, id)).toEqual(before);
    // Deleting it is the way to spawn afresh: no grants survive.
    expect((await owner.del(`/v1/agents/${id}`)).status).toBe(204);
    expect((await owner.post("/v1/agents", { type: "counter", id })).status).toBe(201);
    expect((await snapshot(tenant, id)).grants.items).toEqual([]);
  });
});

/** A counter's checkpoint whose outbox carries an event of `type` with `data`. */
const checkpointWithOutbox = async (tenant: string, type: string, data: unknown): Promise<{ id: string; checkpoint: Body }> => {
  const owner = await admin(tenant);
  const id = newId("c");
  expectOk(await owner.post("/v1/agents", { type: "counter", id, state: { value: 1 } }));
  const checkpoint: Body = expectOk(await owner.post(`/v1/agents/${id}/checkpoint`));
  checkpoint.outbox = [{ id: newId("evt"), type, subject: null, data, time: new Date().toISOString() }];
  return { id, checkpoint };
};

describe("restoring a checkpoint with an outbox", () => {
  it("needs events:publish:<type> for each of its events: 403 naming the first missing one, audited, nothing created", async () => {
    const tenant = newTenant("leak");
    const { checkpoint } = await checkpointWithOutbox(tenant, "payments.settled", { amount: 1_000_000 });
    const target = newId("r");
    const restorer = await client({ tenant, subject: "restorer", caps: ["agents:restore:counter"] });
    expectForbidden(await restorer.post(`/v1/agents/${target}/restore`, checkpoint), "events:publish:payments.settled");
    // A grant whose constraints the event's data breaks does not do either.
    const bounded = await client({ tenant, subject: "bounded", caps: ["agents:restore:counter", { name: "events:publish:payments.*", constraints: { maxAmount: 10 } }] });
    expectForbidden(await bounded.post(`/v1/agents/${target}/restore`, checkpoint), "events:publish:payments.settled");
    expect((await snapshot(tenant, target)).status).toBe(404);
    expect(await streamEvents(tenant, "payments")).toEqual([]);
    await expectAudited(tenant, [
      { who: "principal:restorer", what: "events:publish:payments.settled", resource: `agent/counter/${target}` },
      { who: "principal:bounded", what: "events:publish:payments.settled", resource: `agent/counter/${target}`, why: expect.stringMatching(/amount/) },
    ]);
  });

  it("publishes the outbox when the restorer may publish its events", async () => {
    const tenant = newTenant("leak");
    const { checkpoint } = await checkpointWithOutbox(tenant, "payments.settled", { amount: 5 });
    const target = newId("r");
    const restorer = await client({ tenant, caps: ["agents:restore:counter", "agents:read:counter", "events:publish:payments.*"] });
    const restored = await restorer.post(`/v1/agents/${target}/restore`, checkpoint);
    expect(restored.status, restored.text).toBe(201);
    const events = await eventually("the restored outbox published", () => streamEvents(tenant, "payments"), (items) => items.length === 1);
    expect(events[0]).toMatchObject({ id: checkpoint.outbox[0].id, type: "payments.settled", source: `agent/counter/${target}`, data: { amount: 5 } });
  });
});

describe("publishing to a stream other than the type's own", () => {
  it("needs events:write:<stream> besides events:publish:<type>; 403 naming it, audited, nothing stored", async () => {
    const tenant = newTenant("leak");
    const publisher = await client({ tenant, subject: "publisher", caps: ["events:publish:orders.created"] });
    const elsewhere = { source: "shop", type: "orders.created", stream: "billing", data: { n: 1 } };
    expectForbidden(await publisher.post("/v1/events", elsewhere), "events:write:billing");
    // A batch with one such event stores none of it.
    expectForbidden(await publisher.post("/v1/events", [{ source: "shop", type: "orders.created", data: { n: 2 } }, elsewhere]), "events:write:billing");
    expect(await streamEvents(tenant, "billing")).toEqual([]);
    expect(await streamEvents(tenant, "orders")).toEqual([]);
    await expectAudited(tenant, [
      { who: "principal:publisher", what: "events:write:billing", resource: "stream/billing" },
      { who: "principal:publisher", what: "events:write:billing", resource: "stream/billing" },
    ]);
    // Its own stream, named or not, needs nothing more.
    expect((await publisher.post("/v1/events", { source: "shop", type: "orders.created", data: { n: 3 } })).status).toBe(201);
    expect((await publisher.post("/v1/events", { source: "shop", type: "orders.created", stream: "orders", data: { n: 4 } })).status).toBe(201);
    const writer = await client({ tenant, caps: ["events:publish:orders.created", "events:write:billing"] });
    expect((await writer.post("/v1/events", elsewhere)).status).toBe(201);
    expect((await streamEvents(tenant, "billing")).map((event) => event.data)).toEqual([{ n: 1 }]);
  });
});

describe("event ids", () => {
  it("belong to their first publisher: the same id from another is a conflict (409), from the same one a duplicate", async () => {
    const tenant = newTenant("leak");
    const alice = await client({ tenant, subject: "alice", caps: ["events:publish:orders.*"] });
    const mallory = await client({ tenant, subject: "mallory", caps: ["events:publish:orders.*"] });
    // Mallory claims the id Alice will publish under: Alice is told, not silently deduplicated.
    expect((await mallory.post("/v1/events", { id: "o-2-created", source: "mallory", type: "orders.cancelled" })).status).toBe(201);
    const claimed = expectProblem(await alice.post("/v1/events", { id: "o-2-created", source: "shop", type: "orders.created" }), 409, "event-id-conflict");
    expect(claimed).toMatchObject({ id: "o-2-created", stream: "orders" });
    const first = expectOk(await alice.post("/v1/events", { id: "o-3-created", source: "shop", type: "orders.created", data: { n: 1 } }));
    // A batch with a conflicting id stores none of it.
    expectProblem(await mallory.post("/v1/events", [{ id: "m-1", source: "m", type: "orders.x" }, { id: "o-3-created", source: "m", type: "orders.x" }]), 409, "event-id-conflict");
    const retried = expectOk(await alice.post("/v1/events", { id: "o-3-created", source: "shop", type: "orders.created", data: { n: 1 } }));
    expect(retried.items).toEqual([{ ...first.items[0], duplicate: true }]);
    expect((await streamEvents(tenant, "orders")).map((event) => [event.id, event.source])).toEqual([
      ["o-2-created", "mallory"],
      ["o-3-created", "shop"],
    ]);
  });
});

describe("retention of platform streams", () => {
  it("is refused through the API, even to an admin (403 naming the rule, audited); the audit trail stays", async () => {
    const tenant = newTenant("leak");
    const owner = await admin(tenant);
    const nobody = await client({ tenant, subject: "nobody", caps: [] });
    expectForbidden(await nobody.get("/v1/agent-types"), "agent-types:read");
    expectForbidden(await nobody.get("/v1/agent-types"), "agent-types:read");
    const denials = [
      { who: "principal:nobody", what: "agent-types:read", resource: "agent-types" },
      { who: "principal:nobody", what: "agent-types:read", resource: "agent-types" },
    ];
    for (const stream of ["audit", "workflow", "dlq.some-subscription"]) {
      // A platform stream's retention comes from the deployment's variables; the API changes nothing of it.
      const before = (await owner.get(`/v1/streams/${stream}`)).body.retention;
      expect(before.maxCount).toBeNull();
      const refused = expectProblem(await owner.send("PUT", `/v1/streams/${stream}/retention`, { maxCount: 1 }), 403, "platform-stream");
      expect(refused.detail).toContain(`'${stream}'`);
      expect(refused.stream).toBe(stream);
      denials.push({ who: "principal:tester", what: `events:admin:${stream}`, resource: `stream/${stream}` });
      expect((await owner.get(`/v1/streams/${stream}`)).body.retention).toEqual(before);
    }
    await expectAudited(tenant, denials);
    // A tenant's own streams still take retention.
    expect((await owner.send("PUT", "/v1/streams/orders/retention", { maxCount: 5 })).status).toBe(200);
  });
});

/** A fresh tenant's `order_processing` run waiting at an await (version 1.0.1 of the name, registered there). */
const waitingOrderRun = async (tenant: string): Promise<string> => {
  const owner = await admin(tenant);
  const ref = { order_id: "$.input.order_id" };
  expectOk(
    await owner.post("/v1/workflows", {
      name: "order_processing",
      version: "1.0.1",
      input: { required: ["order_id", "items"] },
      participants: { processor: { type: "processing_agent", spawn: true } },
      flow: [
        { step: "check_inventory", role: "processor", action: "check_inventory", input: { ...ref, items: "$.input.items" }, compensation: "release_inventory" },
        { await: "approved", role: "processor", event: "order.approved", timeout: 600_000 },
      ],
    }),
  );
  const run = expectOk(await owner.post("/v1/workflows/order_processing/runs", { order_id: "o-1", items: 1 }));
  await eventually(
    "the run to wait",
    async () => (await owner.get(`/v1/runs/${run.id}`)).body,
    (view: Body) => view.steps.some((step: Body) => step.name === "approved" && step.status === "waiting"),
  );
  return run.id;
};

describe("cancelling and signalling a run", () => {
  it("need runs:cancel:<workflow> and runs:signal:<workflow>: another workflow's grant gets 403 naming it, audited, and the run is unchanged", async () => {
    const tenant = newTenant("leak");
    const owner = await admin(tenant);
    const runId = await waitingOrderRun(tenant);
    const before = (await owner.get(`/v1/runs/${runId}`)).body;
    const other = await client({ tenant, subject: "other", caps: ["runs:cancel:other", "runs:signal:other", "runs:read"] });
    expectForbidden(await other.post(`/v1/runs/${runId}/cancel`), "runs:cancel:order_processing");
    expectForbidden(await other.post(`/v1/runs/${runId}/events`, { type: "order.approved", role: "processor", data: { amount: 1 } }), "runs:signal:order_processing");
    const unscoped = await client({ tenant, subject: "unscoped", caps: ["runs:cancel"] });
    expectForbidden(await unscoped.post(`/v1/runs/${runId}/cancel`), "runs:cancel:order_processing");
    expect((await owner.get(`/v1/runs/${runId}`)).body).toEqual(before);
    await expectAudited(tenant, [
      { who: "principal:other", what: "runs:cancel:order_processing", resource: `runs/${runId}` },
      { who: "principal:other", what: "runs:signal:order_processing", resource: `runs/${runId}` },
      { who: "principal:unscoped", what: "runs:cancel:order_processing", resource: `runs/${runId}` },
    ]);
    // The workflow's own grants, or a glob over workflows, are enough.
    const signaller = await client({ tenant, caps: ["runs:signal:order_processing"] });
    expect((await signaller.post(`/v1/runs/${runId}/events`, { type: "order.nothing", role: "processor" })).status).toBe(409);
    const canceller = await client({ tenant, caps: ["runs:cancel:*"] });
    const cancelled = await canceller.post(`/v1/runs/${runId}/cancel`);
    expect(cancelled.status, cancelled.text).toBe(202);
    expect(["cancelling", "cancelled"]).toContain(cancelled.body.status);
  });

  it("answers 404 for an unknown run: the capability needed is known only from the run's workflow", async () => {
    const tenant = newTenant("leak");
    const none = await client({ tenant, caps: [] });
    expectProblem(await none.post(`/v1/runs/${newId("run")}/cancel`), 404, "not-found");
    expectProblem(await none.post(`/v1/runs/${newId("run")}/events`, { type: "order.approved" }), 404, "not-found");
    expect(await readAudit(tenant)).toEqual([]);
  });
});
