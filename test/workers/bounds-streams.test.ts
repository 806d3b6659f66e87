// Streams do not pile up: the platform's streams keep their events for the deployment's
// retention (JIDO_AUDIT_RETENTION_DAYS, JIDO_WORKFLOW_RETENTION_DAYS,
// JIDO_DLQ_RETENTION_DAYS; at least a day), applied by the stream itself, which nothing
// else changes; and a tenant creates at most JIDO_MAX_STREAMS_PER_TENANT streams of its
// own (one more is refused with 409 before anything is stored; the platform's streams do
// not count). Small bounds are set on the test tenant's objects only (vars.ts).
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Bus, busClient, event, info, publish, readAll, streamStub } from "./bus.ts";
import { expectProblem } from "./http.ts";
import { bearer } from "./tokens.ts";
import { withVars } from "./vars.ts";
import { typedStub } from "../../objects/durable/index.ts";
import { busObjectName } from "../../src/platform/events/naming.ts";

const DAY = 86_400_000;

/** Appends events to a stream as the platform does (the API refuses the platform's streams to publishers). */
const appendAs = async (tenant: string, stream: string, count: number) => {
  const events = Array.from({ length: count }, (_, n) => ({ id: `e-${n}-${crypto.randomUUID()}`, source: "platform/test", type: `${stream}.written`, time: new Date().toISOString(), data: { n } }));
  const result = await typedStub(streamStub(tenant, stream)).append({ tenant, stream }, events);
  expect(result.ok).toBe(true);
};

/** Makes the stream's first `count` events `ageMs` old, as if appended then. */
const backdate = (tenant: string, stream: string, count: number, ageMs: number) =>
  runInDurableObject(streamStub(tenant, stream), (_instance, state) => {
    state.storage.sql.exec("UPDATE events SET time = ? WHERE seq <= ?", Date.now() - ageMs, count);
  });

describe("the platform's streams", () => {
  it("have the deployment's retention: audit 90 days, workflow and dlq.* 30 (wrangler.toml)", async () => {
    const bus = await busClient();
    for (const [stream, days] of [["audit", 90], ["workflow", 30], ["dlq.jobs.abc", 30], ["order", null]] as const) {
      if (stream !== "order") await appendAs(bus.tenant, stream, 1);
      else await publish(bus, event("order.created"));
      expect((await info(bus, stream)).retention, stream).toEqual({ maxAgeMs: days === null ? null : days * DAY, maxCount: null });
    }
  });

  it("expire their events on the stream's own alarm, armed by the first append even with no subscription", async () => {
    const bus = await busClient();
    await appendAs(bus.tenant, "audit", 3);
    const alarm = await runInDurableObject(streamStub(bus.tenant, "audit"), (_instance, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now() + 89 * DAY);
    await backdate(bus.tenant, "audit", 2, 91 * DAY);
    expect(await runDurableObjectAlarm(streamStub(bus.tenant, "audit"))).toBe(true);
    expect(await info(bus, "audit")).toMatchObject({ length: 1, first: 3, last: 3 });
    expect((await readAll(bus, "audit")).map((e) => e.sequence)).toEqual([3]);
    // Appends go on numbering after the expired ones.
    await appendAs(bus.tenant, "audit", 1);
    expect(await info(bus, "audit")).toMatchObject({ length: 2, first: 3, last: 4 });
  });

  it("arm their alarm again on the next append after an alarm run expired every event (the alarm time the stream remembers is read again)", async () => {
    const bus = await busClient();
    const alarmOf = () => runInDurableObject(streamStub(bus.tenant, "audit"), (_instance, state) => state.storage.getAlarm());
    await appendAs(bus.tenant, "audit", 2);
    expect(await alarmOf()).toBeGreaterThan(Date.now() + 89 * DAY);
    await backdate(bus.tenant, "audit", 2, 91 * DAY);
    expect(await runDurableObjectAlarm(streamStub(bus.tenant, "audit"))).toBe(true);
    expect(await info(bus, "audit")).toMatchObject({ length: 0, last: 2 });
    expect(await alarmOf()).toBeNull();
    await appendAs(bus.tenant, "audit", 1);
    expect(await alarmOf()).toBeGreaterThan(Date.now() + 89 * DAY);
    expect((await readAll(bus, "audit")).map((e) => e.sequence)).toEqual([3]);
  });

  it("keep at least a day whatever is set, and ignore a retention set on them", async () => {
    const bus = await busClient();
    await appendAs(bus.tenant, "workflow", 3);
    await withVars(streamStub(bus.tenant, "workflow"), { JIDO_WORKFLOW_RETENTION_DAYS: "0" });
    expect((await info(bus, "workflow")).retention).toEqual({ maxAgeMs: DAY, maxCount: null });
    // Only the deployment sets it: a policy stored on the stream changes nothing.
    const set = await typedStub(streamStub(bus.tenant, "workflow")).setRetention({ tenant: bus.tenant, stream: "workflow" }, { maxCount: 1 });
    expect(set).toMatchObject({ ok: true, value: { length: 3, retention: { maxAgeMs: DAY, maxCount: null } } });
    await backdate(bus.tenant, "workflow", 1, DAY + 60_000);
    expect(await runDurableObjectAlarm(streamStub(bus.tenant, "workflow"))).toBe(true);
    expect(await info(bus, "workflow")).toMatchObject({ length: 2, first: 2, last: 3 });
  });
});

describe("a tenant's streams", () => {
  const limited = async (max: number): Promise<Bus> => {
    const bus = await busClient();
    await withVars(env.BUS.get(env.BUS.idFromName(busObjectName(bus.tenant))), { JIDO_MAX_STREAMS_PER_TENANT: String(max) });
    return bus;
  };

  it("are at most JIDO_MAX_STREAMS_PER_TENANT: a publish that would create one more is 409 stream-limit and stores nothing", async () => {
    const bus = await limited(2);
    await publish(bus, event("alpha.created"));
    await publish(bus, event("beta.created"));
    const refused = expectProblem(await bus.send("POST", "/v1/events", event("gamma.created", { n: 1 })), 409, "conflict");
    expect(refused).toMatchObject({ code: "stream-limit", limit: 2, detail: expect.stringContaining("stream 'gamma' was not created") });
    expect(await info(bus, "gamma")).toMatchObject({ length: 0, last: 0 });
    // Existing streams take events as before, and the refused one stays refused.
    await publish(bus, [event("alpha.updated"), event("beta.updated")]);
    expectProblem(await bus.send("POST", "/v1/events", event("gamma.created")), 409, "conflict");
    expect((await info(bus, "alpha")).length).toBe(2);
    const registered = await runInDurableObject(env.BUS.get(env.BUS.idFromName(busObjectName(bus.tenant))), (_instance, state) =>
      state.storage.sql.exec<{ name: string }>("SELECT name FROM streams ORDER BY name").toArray().map((row) => row.name),
    );
    expect(registered).toEqual(["alpha", "beta"]);
  });

  it("do not count the platform's: denials, run transitions and dead letters are still written", async () => {
    const bus = await limited(1);
    await publish(bus, event("alpha.created"));
    expectProblem(await bus.send("POST", "/v1/events", event("beta.created")), 409, "conflict");
    // A denial is audited.
    const reader = await bearer({ tenant: bus.tenant, caps: ["agents:read:counter"], rps: 1_000_000 });
    expect((await bus.fetch("/v1/streams/audit/events", { headers: reader })).status).toBe(403);
    expect((await readAll(bus, "audit")).map((e) => e.type)).toEqual(["security.access.denied"]);
    await appendAs(bus.tenant, "workflow", 1);
    await appendAs(bus.tenant, "dlq.jobs.abc", 1);
    expect((await info(bus, "workflow")).length).toBe(1);
    expect((await info(bus, "dlq.jobs.abc")).length).toBe(1);
  });
});
