// Observability against a real `wrangler dev`: a scrape of GET /v1/metrics, taken after
// agents acted, events were published and delivered to a webhook, and a workflow ran,
// passes `promtool check metrics` (Prometheus' own linter) and reads back through an
// independent parse; and the server's whole output (its JSON logs) never contains a
// token, the token secret or a webhook signing secret the run used.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../scripts/lib/dev-server.ts";
import { LOCAL_SEEDS, seedAgents } from "../../scripts/lib/seed-agents.ts";
import { adminToken, type Client, clientFor } from "./http.ts";
import { parseExposition, PROMTOOL, promtoolCheck, sum } from "./prometheus-text.ts";
import { until } from "./until.ts";
import { type Receiver, startReceiver } from "./webhook-receiver.ts";

describe.skipIf(PROMTOOL === "")("observability of a running platform", () => {
  const dir = mkdtempSync(join(tmpdir(), "jido-e2e-observability-"));
  const logFile = join(dir, "server.log");
  let server: DevServer | undefined;
  let receiver: Receiver;
  let request: Client;
  let token = "";
  const secrets: string[] = [];

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startDevServer({ persistTo: join(dir, "state"), logFile, logLevel: "log", vars: { JIDO_WEBHOOK_ALLOW: "127.0.0.1", JIDO_WEBHOOK_ALLOW_HTTP: "true", JIDO_METRICS_FLUSH_MS: "200" } });
    request = await clientFor(() => server!);
    token = await adminToken(server.secret);
  });
  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves a scrape promtool accepts, counting what agents, events and a workflow did", async () => {
    expect((await request("POST", "/v1/agents", { type: "counter", id: "obs-1" })).status).toBe(201);
    for (let i = 0; i < 5; i++) expect((await request("POST", "/v1/agents/obs-1/actions/increment", { by: 1 })).status).toBe(200);
    expect((await request("POST", "/v1/agents/obs-1/actions/increment", { by: Number.MAX_SAFE_INTEGER })).status).toBe(422);
    const created = await request("POST", "/v1/subscriptions", { id: "obs-hook", patterns: ["shop.*"], stream: "shop", start: "earliest", target: { kind: "webhook", url: receiver.url } });
    expect(created.status).toBe(201);
    const hookSecret = (created.body as { secret: string }).secret;
    expect(hookSecret).toEqual(expect.any(String));
    secrets.push(hookSecret);
    receiver.useSecret(hookSecret);
    expect((await request("POST", "/v1/events", [{ source: "e2e", type: "shop.paid" }, { source: "e2e", type: "shop.shipped" }])).status).toBe(201);
    // order_processing binds discovered agents: the US ones npm start seeds, here in this tenant.
    await seedAgents(server!.url, token, LOCAL_SEEDS.filter((seed) => seed.labels.region === "us"));
    const started = await request("POST", "/v1/workflows/order_processing/runs", { order_id: "o-obs", amount: 42, items: 2, payment: "succeed" });
    expect(started.status).toBe(202);
    const runId = (started.body as { id: string }).id;
    await until("the run to finish", async () => ["completed", "failed", "compensated"].includes(((await request("GET", `/v1/runs/${runId}`)).body as { status: string }).status));
    await until("both deliveries", () => receiver.deliveries.length >= 2);

    let text = "";
    let parsed: ReturnType<typeof parseExposition> | undefined;
    await until("the scrape to show every kind of work", async () => {
      const response = await fetch(`${server!.url}/v1/metrics`, { headers: { authorization: `Bearer ${token}` } });
      text = await response.text();
      parsed = parseExposition(text);
      const s = parsed.series;
      return sum(s, "jido_actions_total", { type: "counter", outcome: "ok" }) === 5 && sum(s, "jido_events_delivered_total", { subscription: "obs-hook", outcome: "ok" }) >= 2 && sum(s, "jido_runs_finished_total") === 1;
    });
    const s = parsed!.series;
    expect(sum(s, "jido_actions_total", { type: "counter", outcome: "failed" })).toBe(1);
    expect(sum(s, "jido_events_published_total", { stream: "shop" })).toBe(2);
    expect(sum(s, "jido_runs_started_total", { workflow: "order_processing" })).toBe(1);
    expect(sum(s, "jido_subscription_lag_events", { subscription: "obs-hook" })).toBe(0);
    expect(parsed!.types.get("jido_action_duration_seconds")).toBe("histogram");

    const lint = promtoolCheck(text);
    expect(lint.output, text).toBe("");
    expect(lint.status).toBe(0);

    const open = await fetch(`${server!.url}/v1/metrics`, { headers: { authorization: `Bearer ${token}`, accept: "application/openmetrics-text; version=1.0.0" } });
    expect(open.headers.get("content-type")).toContain("application/openmetrics-text");
    expect((await open.text()).endsWith("# EOF\n")).toBe(true);
  });

  it("never writes a token or a secret to its logs", async () => {
    // A bad token passes through the authentication path too; a data processor logs from its start hook.
    expect((await fetch(`${server!.url}/v1/agents`, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
    expect((await request("POST", "/v1/agents", { type: "data_processor", id: "obs-dp" })).status).toBe(201);
    await until("the agent's log line", () => readFileSync(logFile, "utf8").includes("connections initialised"));
    await server!.stop();
    const output = readFileSync(logFile, "utf8");
    const lines = output.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(Object.keys(line)).toEqual(expect.arrayContaining(["time", "level", "message", "tenant", "requestId", "traceId", "spanId", "component"]));
    expect(lines.find((line) => line.message === "connections initialised")).toMatchObject({ level: "info", component: "agent", tenant: "e2e", agent: "obs-dp" });
    for (const secret of [token, token.split(".")[2]!, server!.secret, ...secrets]) expect(output).not.toContain(secret);
  });
});
