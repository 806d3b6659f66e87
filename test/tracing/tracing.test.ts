// Tracing inside workerd (vitest.tracing.config.ts: export on, sample rate 0): the spans
// the Worker and the objects export, read from the OTLP/HTTP requests they send (the
// test intercepts the objects' fetch, which node:http's client runs on). At rate 0 a
// request leaves no span; a caller's sampled traceparent is followed through the Worker
// into every object the request reaches; an agent type's own rate decides for its actions
// and its calls to other agents; a run's steps stay in its trace when its alarm resumes them.
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { call, newId, post, spawn } from "../workers/http.ts";
import { eventually } from "../workers/eventually.ts";
import { finished, order, orderClient, startRun } from "../workers/workflows.ts";
import { type ExportedSpan, KIND, only, spansOf } from "./otlp.ts";
// After the app (through http.ts): @hono/zod-openapi must extend zod before ids.ts loads.
import { typedStub } from "../../objects/durable/index.ts";
import { agentStub, TENANT } from "../workers/objects.ts";

const ENDPOINT = "https://otlp.example.test/v1/traces";
const exported: ExportedSpan[] = [];
const headersSeen: Record<string, string>[] = [];

// Installed for the whole file: objects export after a test's own requests too (a run's
// last transitions), and nothing here may reach the network.
beforeAll(() => {
  const original = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (request.url !== ENDPOINT) return original(input, init);
    headersSeen.push(Object.fromEntries(request.headers.entries()));
    exported.push(...spansOf(await request.text()));
    return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
  });
});
beforeEach(() => {
  exported.length = 0;
  headersSeen.length = 0;
});

const traceId = () => crypto.randomUUID().replaceAll("-", "");
const spanId = () => crypto.randomUUID().replaceAll("-", "").slice(0, 16);
const inTrace = (id: string) => exported.filter((span) => span.traceId === id);

describe("tracing at sample rate 0", () => {
  it("exports nothing for a request without a traceparent, and follows a sampled one through the objects", async () => {
    const agent = newId("traced");
    await spawn("counter", agent);
    expect((await call(agent, "increment", { by: 1 })).status).toBe(200);

    const trace = traceId();
    const caller = spanId();
    const reply = await call(agent, "increment", { by: 2 }, { traceparent: `00-${trace}-${caller}-01` });
    expect(reply.status).toBe(200);
    // Each isolate exports at most once a second (one trailing export): the Worker's spans
    // and the agent's may arrive in separate exports.
    const spans = await eventually(
      "the traced call's spans",
      async () => inTrace(trace),
      (found) => ["AgentObject/call", "agent.call"].every((name) => found.some((s) => s.name === name)) && found.some((s) => s.name.startsWith("POST ")),
    );

    // Only the traced request was exported: the spawn and the first call left nothing.
    expect(new Set(exported.map((span) => span.traceId))).toEqual(new Set([trace]));
    expect(headersSeen.every((headers) => headers.authorization === "Bearer otlp-test" && headers["content-type"] === "application/json")).toBe(true);

    const server = only(spans, "for the request", (s) => s.kind === KIND.server && s.name.startsWith("POST "));
    expect(server).toMatchObject({ parentSpanId: caller, name: "POST /v1/agents/:id/actions/:action", service: "jido-system" });
    expect(server.attributes).toMatchObject({ "http.request.method": "POST", "http.route": "/v1/agents/:id/actions/:action", "http.response.status_code": 200, "url.path": `/v1/agents/${agent}/actions/increment`, "server.address": "localhost" });
    const client = only(spans, "calling the agent", (s) => s.kind === KIND.client && s.name === "agent.call");
    expect(client.parentSpanId).toBe(server.spanId);
    expect(client.attributes).toMatchObject({ "rpc.system.name": "cloudflare_durable_objects", "rpc.method": "agent.call" });
    const agentSpan = only(spans, "in the agent", (s) => s.name === "AgentObject/call");
    expect(agentSpan).toMatchObject({ kind: KIND.server, parentSpanId: client.spanId });
    expect(agentSpan.attributes).toMatchObject({ "jido.agent.type": "counter", "jido.agent.id": agent, "jido.action": "increment", "rpc.method": "AgentObject/call" });
  });

  it("follows an unsampled traceparent: nothing is exported", async () => {
    const agent = newId("untraced");
    await spawn("counter", agent);
    const untraced = traceId();
    expect((await call(agent, "increment", { by: 1 }, { traceparent: `00-${untraced}-${spanId()}-00` })).status).toBe(200);
    const marker = traceId();
    expect((await call(agent, "increment", { by: 1 }, { traceparent: `00-${marker}-${spanId()}-01` })).status).toBe(200);
    await eventually("the marker request's spans", async () => inTrace(marker), (found) => found.some((s) => s.name === "AgentObject/call"));
    expect(inTrace(untraced)).toEqual([]);
  });
});

describe("an agent type's own sample rate", () => {
  it("traces its actions (rate 1) in a request the platform's default left out, and the agents they call", async () => {
    const relay = newId("relay");
    const counter = newId("counter");
    await spawn("relay", relay);
    await spawn("counter", counter);
    expect((await post(`/v1/agents/${relay}/grants`, { name: "agents:call:counter.increment" })).status).toBe(201);

    expect((await call(relay, "forward", { target: counter, by: 3 })).status).toBe(200);
    const relaySpan = await eventually(
      "the relay's span",
      async () => exported.find((s) => s.name === "AgentObject/call" && s.attributes["jido.agent.id"] === relay),
      (found) => found !== undefined,
    );
    const spans = await eventually("the counter's span", async () => inTrace(relaySpan!.traceId), (found) => found.some((s) => s.attributes["jido.agent.id"] === counter));
    // The request's own spans were not sampled (rate 0): the relay's span hangs from the
    // Worker's unexported span, and decided by its type's rate (tracestate jido=t).
    expect(spans.some((s) => s.name.startsWith("POST "))).toBe(false);
    expect(relaySpan!.traceState).toContain("jido=t");
    const peer = only(spans, "calling the counter", (s) => s.name === "agent.peer_call");
    expect(peer.parentSpanId).toBe(relaySpan!.spanId);
    const counterSpan = only(spans, "in the counter", (s) => s.attributes["jido.agent.id"] === counter);
    expect(counterSpan).toMatchObject({ name: "AgentObject/call", parentSpanId: peer.spanId });
  });

  it("continues an unsampled request's trace: the Worker passes its caller's trace id and span on, unrecorded, to the agent", async () => {
    const relay = newId("relay");
    const counter = newId("counter");
    await spawn("relay", relay);
    await spawn("counter", counter);
    expect((await post(`/v1/agents/${relay}/grants`, { name: "agents:call:counter.increment" })).status).toBe(201);

    const trace = traceId();
    const caller = spanId();
    expect((await call(relay, "forward", { target: counter, by: 1 }, { traceparent: `00-${trace}-${caller}-00`, tracestate: "jido=p" })).status).toBe(200);
    const spans = await eventually("the relay's and the counter's spans", async () => inTrace(trace), (found) => found.some((s) => s.attributes["jido.agent.id"] === counter));
    // The Worker made no span (unsampled); the relay's type decided again (rate 1), as a child of the caller's span.
    expect(spans.some((s) => s.name.startsWith("POST ") || s.name === "agent.call")).toBe(false);
    const relaySpan = only(spans, "in the relay", (s) => s.name === "AgentObject/call" && s.attributes["jido.agent.id"] === relay);
    expect(relaySpan.parentSpanId).toBe(caller);
    expect(relaySpan.traceState).toContain("jido=t");
  });
});

describe("a workflow run", () => {
  it("keeps its retries (resumed by its alarm) and compensations in the trace it started in", async () => {
    // order_processing binds discovered agents: seed them first (their spawns are not traced at rate 0).
    const client = await orderClient();
    const trace = traceId();
    // amount 0 fails validation: retried 3 times on the run's alarm, then check_inventory is compensated.
    const started = await startRun(client, "order_processing", order("succeed", { amount: 0 }), { traceparent: `00-${trace}-${spanId()}-01` });
    expect((await finished(client, started.id)).status).toBe("compensated");
    const spans = await eventually(
      "every attempt and the compensation",
      async () => inTrace(trace),
      (found) => found.filter((s) => s.name === "workflow.call validate_order").length === 4 && found.some((s) => s.name === "workflow.compensate check_inventory"),
    );
    const start = only(spans, "starting the run", (s) => s.name === "Coordinator/start");
    const alarms = spans.filter((s) => s.name === "Coordinator/alarm");
    expect(alarms.length).toBeGreaterThan(0);
    expect(alarms.every((alarm) => alarm.parentSpanId === start.spanId && alarm.attributes["jido.run.id"] === started.id)).toBe(true);
    const attempts = spans.filter((s) => s.name === "workflow.call validate_order");
    expect(attempts.every((attempt) => attempt.parentSpanId === start.spanId)).toBe(true);
    // Retries after a backoff are resumed by the alarm: such an attempt is linked to it.
    const alarmIds = new Set(alarms.map((alarm) => alarm.spanId));
    expect(attempts.some((attempt) => attempt.links.some((link) => alarmIds.has(link.spanId)))).toBe(true);
    expect(only(spans, "compensating", (s) => s.name === "workflow.compensate check_inventory").parentSpanId).toBe(start.spanId);
  });
});

describe("the RPC trace carrier", () => {
  it("is parsed with the address: a malformed one is refused naming the field, and changes nothing", async () => {
    const agent = newId("carrier");
    await spawn("counter", agent);
    const caller = { kind: "principal" as const, subject: "test", tenant: TENANT, grants: [{ name: "admin", constraints: {}, grantedBy: "test", expiresAt: null }] };
    const stub = typedStub(agentStub(agent));
    const refused = await stub.call({ tenant: TENANT, id: agent, trace: { traceparent: "00-not-a-traceparent" } }, caller, { action: "increment", input: { by: 5 }, idempotencyKey: "carrier-1", keyOrigin: "client" });
    expect(refused).toMatchObject({ ok: false, problem: { status: 400, errors: [{ path: "address.trace.traceparent" }] } });
    const view = await stub.get({ tenant: TENANT, id: agent }, caller);
    expect(view).toMatchObject({ ok: true, value: { state: { value: 0 } } });
  });
});
