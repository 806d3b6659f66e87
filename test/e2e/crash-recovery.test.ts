// Acknowledged changes survive a crash: agents take increments under idempotency keys
// while `wrangler dev` is killed with SIGKILL mid-stream; after a restart on the same
// persisted state every acknowledged increment is there, and re-sending the
// unacknowledged ones with their keys lands each exactly once.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../scripts/lib/dev-server.ts";
import { clientFor } from "./http.ts";
import { until } from "./until.ts";

const AGENTS = 8;
const INCREMENTS_PER_AGENT = 60;

describe("crash recovery", () => {
  const persistTo = mkdtempSync(join(tmpdir(), "jido-e2e-crash-"));
  let server: DevServer | undefined;

  const secret = "e2e-crash-recovery-secret-0123456789abcdef";

  beforeAll(async () => {
    server = await startDevServer({ persistTo, vars: { JIDO_JWT_SECRET: secret } });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(persistTo, { recursive: true, force: true });
  });

  it("keeps every acknowledged change across SIGKILL and applies retried ones exactly once", async () => {
    const first = server!;
    const request = await clientFor(() => server!);
    const ids = Array.from({ length: AGENTS }, (_, i) => `crash-${i}`);
    for (const id of ids) expect((await request("POST", "/v1/agents", { type: "counter", id })).status).toBe(201);
    const processor = await request("POST", "/v1/agents", { type: "data_processor", id: "crash-processor" });
    expect(processor.status).toBe(201);
    const processed = await request("POST", "/v1/agents/crash-processor/actions/process_stream", { format: "csv", payload: "a,b\n1,2\n3,4\n" });
    expect(processed.status).toBe(200);

    const acknowledged = new Map<string, Set<string>>(ids.map((id) => [id, new Set()]));
    let killed = false;
    const send = async (id: string, key: string): Promise<void> => {
      try {
        const reply = await request("POST", `/v1/agents/${id}/actions/increment`, { by: 1 }, { "idempotency-key": key });
        if (reply.status === 200) acknowledged.get(id)!.add(key);
        else if (!killed) throw new Error(`unexpected ${reply.status}: ${JSON.stringify(reply.body)}`);
      } catch (error) {
        if (!killed) throw error;
      }
    };
    const streams = ids.map(async (id) => {
      for (let n = 0; n < INCREMENTS_PER_AGENT && !killed; n++) await send(id, `${id}-inc-${n}`);
    });
    // Kill once a good share of the increments is acknowledged, with requests in flight.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const total = [...acknowledged.values()].reduce((sum, keys) => sum + keys.size, 0);
      if (total >= (AGENTS * INCREMENTS_PER_AGENT) / 3) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    killed = true;
    await first.kill();
    await Promise.all(streams);

    server = await startDevServer({ persistTo, vars: { JIDO_JWT_SECRET: secret } });
    let totalAcknowledged = 0;
    for (const id of ids) {
      const keys = acknowledged.get(id)!;
      totalAcknowledged += keys.size;
      const view = await request("GET", `/v1/agents/${id}`);
      expect(view.status).toBe(200);
      const value = (view.body as { state: { value: number } }).state.value;
      // Every acknowledged increment survived; at most the ones in flight at the kill landed too.
      expect(value).toBeGreaterThanOrEqual(keys.size);
      // Re-sending every increment under its key lands each exactly once.
      let sent = 0;
      for (let n = 0; n < INCREMENTS_PER_AGENT; n++) {
        const key = `${id}-inc-${n}`;
        const reply = await request("POST", `/v1/agents/${id}/actions/increment`, { by: 1 }, { "idempotency-key": key });
        expect(reply.status).toBe(200);
        sent++;
        if (keys.has(key)) expect(reply.headers.get("idempotent-replayed")).toBe("true");
      }
      const after = await request("GET", `/v1/agents/${id}`);
      expect((after.body as { state: { value: number } }).state.value).toBe(sent);
    }
    expect(totalAcknowledged).toBeGreaterThan(0);

    // Its outbox drains to the bus on its own, after the restart if the kill came first.
    const processorView = async () => (await request("GET", "/v1/agents/crash-processor")).body as { outbox: { pending: number } };
    await until("the processor's outbox drained", async () => (await processorView()).outbox.pending === 0);
    expect(await processorView()).toMatchObject({ status: "running", state: { batches: 1, records: 2 }, outbox: { pending: 0 } });
    // The event the processor emitted was committed with its state and reached its stream once.
    const stream = await request("GET", "/v1/streams/data/events");
    expect((stream.body as { items: { type: string; source: string }[] }).items).toMatchObject([{ type: "data.processed", source: "agent/data_processor/crash-processor" }]);
  });
});
