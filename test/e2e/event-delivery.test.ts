// Events emitted by agents reach their subscribers even when the platform dies between
// the agent's commit and the delivery: `wrangler dev` is killed with SIGKILL while
// actions are committing and the webhook is refusing deliveries; after a restart every
// committed event is delivered, in stream order, signed, and any duplicate carries the
// same id.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, LOCAL_WEBHOOK_VARS, startDevServer } from "../../scripts/lib/dev-server.ts";
import { clientFor } from "./http.ts";
import { until } from "./until.ts";
import { type Receiver, startReceiver } from "./webhook-receiver.ts";

const CALLS = 40;


describe("event delivery across a crash", () => {
  const persistTo = mkdtempSync(join(tmpdir(), "jido-e2e-events-"));
  const secret = "e2e-event-delivery-secret-0123456789abcdef";
  let server: DevServer | undefined;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startDevServer({ persistTo, vars: { ...LOCAL_WEBHOOK_VARS, JIDO_JWT_SECRET: secret } });
  });
  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    rmSync(persistTo, { recursive: true, force: true });
  });

  it("delivers every committed event at least once, in order, after SIGKILL", async () => {
    const request = await clientFor(() => server!);
    receiver.answer(503);
    const created = await request("POST", "/v1/subscriptions", {
      id: "processed-hook",
      patterns: ["data.processed"],
      start: "earliest",
      target: { kind: "webhook", url: receiver.url },
      delivery: { maxAttempts: 50, baseDelayMs: 100, maxDelayMs: 500 },
    });
    expect(created.status).toBe(201);
    receiver.useSecret((created.body as { secret: string }).secret);
    expect((await request("POST", "/v1/agents", { type: "data_processor", id: "p1" })).status).toBe(201);

    const acknowledged = new Set<number>();
    let killed = false;
    const call = (n: number) =>
      request("POST", "/v1/agents/p1/actions/process_stream", { format: "json", payload: JSON.stringify([{ n }]) }, { "idempotency-key": `call-${n}` });
    const calls = (async () => {
      for (let n = 0; n < CALLS && !killed; n++) {
        try {
          if ((await call(n)).status === 200) acknowledged.add(n);
        } catch (error) {
          if (!killed) throw error;
        }
      }
    })();
    await until("some committed calls", () => acknowledged.size >= CALLS / 4);
    killed = true;
    await server!.kill();
    await calls;

    receiver.answer(200);
    server = await startDevServer({ persistTo, vars: { ...LOCAL_WEBHOOK_VARS, JIDO_JWT_SECRET: secret } });
    for (let n = 0; n < CALLS; n++) expect((await call(n)).status).toBe(200);

    const agent = await request("GET", "/v1/agents/p1");
    const batches = (agent.body as { state: { batches: number } }).state.batches;
    expect(batches).toBe(CALLS);
    await until("every event delivered", () => new Set(receiver.deliveries.map((d) => d.id)).size >= CALLS);

    const firstArrivals = new Map<string, number>();
    for (const delivery of receiver.deliveries) if (!firstArrivals.has(delivery.id)) firstArrivals.set(delivery.id, delivery.sequence);
    const sequences = [...firstArrivals.values()];
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(new Set(sequences).size).toBe(CALLS);
    expect(receiver.deliveries.every((d) => d.verified && d.type === "data.processed")).toBe(true);
    // A duplicate is the same event: same id, same sequence.
    for (const delivery of receiver.deliveries) expect(delivery.sequence).toBe(firstArrivals.get(delivery.id));

    const stream = await request("GET", "/v1/streams/data/events?limit=1000");
    expect((stream.body as { items: unknown[] }).items).toHaveLength(CALLS);
    // The stream saves its cursor once the last webhook's answer is back.
    const status = async () => ((await request("GET", "/v1/subscriptions/processed-hook")).body as { streams: { lag: number }[] }).streams;
    await until("the subscription caught up", async () => (await status())[0]?.lag === 0);
    expect(await status()).toMatchObject([{ stream: "data", lag: 0, deadLetters: 0 }]);
  });
});
