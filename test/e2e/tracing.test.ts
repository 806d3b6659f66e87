// Traces leave a real `wrangler dev` as OTLP/HTTP for a collector on loopback (sample
// rate 1): an order run is one trace from the HTTP request through the coordinator (and
// the discovery that bound its agents) to each agent step, a run that spawns its agents
// spawns them within its trace, and a published event's webhook delivery continues the publish's
// trace (its span is a child of the append that stored the event, and the webhook's
// request carries the traceparent of the delivery's HTTP span).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, LOCAL_WEBHOOK_VARS, startDevServer } from "../../scripts/lib/dev-server.ts";
import { LOCAL_SEEDS, seedAgents } from "../../scripts/lib/seed-agents.ts";
import { type ExportedSpan, KIND, only } from "../tracing/otlp.ts";
import { adminToken, clientFor } from "./http.ts";
import { type OtlpReceiver, startOtlpReceiver } from "./otlp-receiver.ts";
import { until } from "./until.ts";
import { type Receiver, startReceiver } from "./webhook-receiver.ts";

/** The order workflow's steps on the success path, with the action each calls. */
const STEPS = { validate_order: "validate", check_inventory: "check_inventory", process_payment: "process_payment", fulfill_order: "fulfill_order", send_confirmation: "send_confirmation" };

describe("tracing to an OTLP/HTTP collector", () => {
  const persistTo = mkdtempSync(join(tmpdir(), "jido-e2e-tracing-"));
  const secret = "e2e-tracing-secret-0123456789abcdef012345";
  let server: DevServer | undefined;
  let collector: OtlpReceiver;
  let hooks: Receiver;

  beforeAll(async () => {
    collector = await startOtlpReceiver();
    hooks = await startReceiver();
    server = await startDevServer({
      persistTo,
      vars: { ...LOCAL_WEBHOOK_VARS, JIDO_JWT_SECRET: secret, JIDO_OTLP_ENDPOINT: collector.url, JIDO_OTLP_HEADERS: "authorization=Bearer collector-token", JIDO_TRACE_SAMPLE_RATE: "1" },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await collector?.close();
    await hooks?.close();
    rmSync(persistTo, { recursive: true, force: true });
  });

  const inTrace = (traceId: string): ExportedSpan[] => collector.spans.filter((span) => span.traceId === traceId);
  const parentOf = (span: ExportedSpan): ExportedSpan | undefined => collector.spans.find((s) => s.traceId === span.traceId && s.spanId === span.parentSpanId);

  it("an order run is one trace: request -> coordinator -> each step -> the agent's action", async () => {
    const request = await clientFor(() => server!);
    // order_processing binds discovered agents: the US ones npm start seeds, here in this tenant.
    await seedAgents(server!.url, await adminToken(server!.secret), LOCAL_SEEDS.filter((seed) => seed.labels.region === "us"));
    const started = await request("POST", "/v1/workflows/order_processing/runs", { order_id: "o-traced", amount: 42, items: 2, payment: "succeed" });
    expect(started.status).toBe(202);
    const runId = (started.body as { id: string }).id;
    await until("the run completed", async () => ((await request("GET", `/v1/runs/${runId}`)).body as { status: string }).status === "completed");

    const root = await (async () => {
      await until("the start request's span", () => collector.spans.some((s) => s.name === "POST /v1/workflows/:name/runs"));
      return only(collector.spans, "of the start request", (s) => s.name === "POST /v1/workflows/:name/runs");
    })();
    expect(root).toMatchObject({ kind: KIND.server, parentSpanId: undefined, service: "jido-system" });
    expect(root.attributes).toMatchObject({ "http.request.method": "POST", "http.route": "/v1/workflows/:name/runs", "http.response.status_code": 202, "url.path": "/v1/workflows/order_processing/runs" });
    // A step's span, its client span and the agent's span, once all three have arrived.
    const chainOf = (step: string): ExportedSpan | undefined => {
      const spans = inTrace(root.traceId);
      const stepSpan = spans.find((s) => s.name === `workflow.call ${step}`);
      const client = stepSpan && spans.find((s) => s.parentSpanId === stepSpan.spanId);
      return client && spans.find((s) => s.parentSpanId === client.spanId);
    };
    await until("every step's agent span", () => Object.keys(STEPS).every((step) => chainOf(step) !== undefined));
    const spans = inTrace(root.traceId);

    const start = only(spans, "in the coordinator", (s) => s.name === "Coordinator/start");
    expect(start.kind).toBe(KIND.server);
    expect(parentOf(start)).toMatchObject({ name: "runs.start", kind: KIND.client, parentSpanId: root.spanId });
    for (const [step, action] of Object.entries(STEPS)) {
      const stepSpan = only(spans, `of step ${step}`, (s) => s.name === `workflow.call ${step}`);
      expect(stepSpan.parentSpanId, step).toBe(start.spanId);
      expect(stepSpan.attributes).toMatchObject({ "jido.run.id": runId, "jido.workflow.name": "order_processing", "jido.workflow.step": step, "jido.action": action });
      const client = only(spans, `calling the agent for ${step}`, (s) => s.parentSpanId === stepSpan.spanId && s.kind === KIND.client);
      expect(client.name).toBe("workflow.call");
      const agentSpan = only(spans, `in the agent for ${step}`, (s) => s.parentSpanId === client.spanId);
      expect(agentSpan).toMatchObject({ name: "AgentObject/call", kind: KIND.server });
      expect(agentSpan.attributes).toMatchObject({ "jido.action": action, "jido.agent.id": stepSpan.attributes["jido.agent.id"] });
    }
    // Its participants were discovered within its trace: the binding's directory queries, in the coordinator's start.
    const queries = spans.filter((s) => s.name === "directory.query");
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.every((query) => query.parentSpanId === start.spanId)).toBe(true);
    expect(spans.some((s) => s.name === "AgentObject/spawn")).toBe(false);
    expect(collector.headers.every((h) => h.authorization === "Bearer collector-token")).toBe(true);
  });

  it("a run that spawns its participants spawns them within its trace", async () => {
    const request = await clientFor(() => server!);
    const definition = {
      name: "traced_spawn",
      version: "1.0.0",
      participants: { tally: { type: "counter", spawn: 2 } },
      flow: [{ step: "count", role: "tally", action: "increment", input: { by: 1 } }],
    };
    expect((await request("POST", "/v1/workflows", definition)).status).toBe(201);
    const started = await request("POST", "/v1/workflows/traced_spawn/runs", {});
    expect(started.status).toBe(202);
    const runId = (started.body as { id: string }).id;
    await until("the run completed", async () => ((await request("GET", `/v1/runs/${runId}`)).body as { status: string }).status === "completed");
    const isRoot = (s: ExportedSpan) => s.name === "POST /v1/workflows/:name/runs" && s.attributes["url.path"] === "/v1/workflows/traced_spawn/runs";
    await until("the start request's span", () => collector.spans.some(isRoot));
    const root = only(collector.spans, "of the spawning run's start", isRoot);
    const spawnedUnderRun = () => inTrace(root.traceId).filter((s) => s.name === "AgentObject/spawn" && parentOf(s)?.name === "workflow.spawn");
    await until("both participants' spawn spans", () => spawnedUnderRun().length === 2);
    const start = only(inTrace(root.traceId), "in the coordinator", (s) => s.name === "Coordinator/start");
    for (const spawned of spawnedUnderRun()) expect(parentOf(parentOf(spawned)!)?.spanId).toBe(start.spanId);
  });

  it("a webhook delivery continues the trace of the event's publish", async () => {
    const request = await clientFor(() => server!);
    const created = await request("POST", "/v1/subscriptions", { id: "traced-hook", patterns: ["traced.#"], start: "latest", target: { kind: "webhook", url: hooks.url } });
    expect(created.status).toBe(201);
    hooks.useSecret((created.body as { secret: string }).secret);
    const published = await request("POST", "/v1/events", { type: "traced.happened", source: "e2e", data: { n: 1 } });
    expect(published.status).toBe(201);
    const eventId = (published.body as { items: { id: string }[] }).items[0]!.id;
    await until("the delivery", () => hooks.deliveries.some((d) => d.id === eventId));
    const delivery = hooks.deliveries.find((d) => d.id === eventId)!;
    expect(delivery.verified).toBe(true);

    // Spans are exported after their work (waitUntil), each isolate at most once a second: the
    // delivery may reach the receiver before the publish request's span, or its own, reaches the collector.
    await until("the publish's span", () => collector.spans.some((s) => s.name === "POST /v1/events"));
    const publish = only(collector.spans, "of the publish", (s) => s.name === "POST /v1/events");
    await until("the delivery's spans", () => {
      const found = inTrace(publish.traceId);
      return found.some((s) => s.name === "POST" && s.kind === KIND.client) && found.some((s) => s.name === "deliver traced");
    });
    const spans = inTrace(publish.traceId);
    const append = only(spans, "storing the event", (s) => s.name === "EventStream/append" && parentOf(s)?.parentSpanId === publish.spanId);
    // The stored event carries the append's span as its traceparent (CloudEvents distributed tracing).
    expect(delivery.body.traceparent).toBe(`00-${publish.traceId}-${append.spanId}-01`);
    const deliver = only(spans, "of the delivery", (s) => s.name === "deliver traced" && s.attributes["messaging.message.id"] === eventId);
    expect(deliver).toMatchObject({ kind: KIND.consumer, parentSpanId: append.spanId });
    expect(deliver.attributes).toMatchObject({ "messaging.system": "jido", "messaging.operation.type": "process", "messaging.destination.name": "traced", "messaging.consumer.group.name": "traced-hook", "jido.delivery.target": "webhook" });
    const post = only(spans, "of the webhook request", (s) => s.name === "POST" && s.parentSpanId === deliver.spanId);
    expect(post.attributes).toMatchObject({ "http.request.method": "POST", "http.response.status_code": 200, "server.address": "127.0.0.1" });
    expect(delivery.headers.traceparent).toBe(`00-${publish.traceId}-${post.spanId}-01`);
  });
});
