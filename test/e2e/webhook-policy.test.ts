// The webhook policy in a real `wrangler dev`, where an unchecked webhook would reach
// the developer's machine: the allow-list variables (passed with `--var`, as `npm start`
// passes them, comma-separated) admit listed hosts only, and workerd's fetch does not
// follow a receiver's redirect, so a second receiver it points to gets nothing.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../scripts/lib/dev-server.ts";
import { type Client, clientFor } from "./http.ts";
import { until } from "./until.ts";
import { type Receiver, startReceiver } from "./webhook-receiver.ts";

type Status = { streams: { deadLetters: number; delivered: number; lastError: { message: string } | null }[] };

describe("webhooks from a local dev server", () => {
  const persistTo = mkdtempSync(join(tmpdir(), "jido-e2e-webhooks-"));
  let server: DevServer | undefined;
  let moved: Receiver;
  let target: Receiver;
  let request: Client;

  beforeAll(async () => {
    [moved, target] = await Promise.all([startReceiver(), startReceiver()]);
    server = await startDevServer({ persistTo, vars: { JIDO_WEBHOOK_ALLOW: "127.0.0.1,localhost", JIDO_WEBHOOK_ALLOW_HTTP: "true" } });
    request = await clientFor(() => server!);
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all([moved?.close(), target?.close()]);
    rmSync(persistTo, { recursive: true, force: true });
  });

  it("admits the listed hosts and nothing else of the machine", async () => {
    const port = new URL(target.url).port;
    for (const url of [target.url, `http://localhost:${port}/hook`]) {
      const reply = await request("POST", "/v1/subscriptions", { patterns: ["never.*"], target: { kind: "webhook", url } });
      expect(reply.status, `${url}: ${JSON.stringify(reply.body)}`).toBe(201);
    }
    const refused = await request("POST", "/v1/subscriptions", { patterns: ["never.*"], target: { kind: "webhook", url: `http://127.0.0.2:${port}/hook` } });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ errors: [{ path: "target.url", message: expect.stringContaining("127.0.0.2 is a loopback address") }] });
  });

  it("does not follow a redirect: the receiver it points to gets nothing", async () => {
    moved.answer(302, { location: target.url });
    const created = await request("POST", "/v1/subscriptions", {
      id: "moved-hook",
      patterns: ["order.*"],
      stream: "order",
      start: "earliest",
      target: { kind: "webhook", url: moved.url },
      delivery: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
    });
    expect(created.status).toBe(201);
    expect((await request("POST", "/v1/events", { source: "e2e", type: "order.created", data: { n: 1 } })).status).toBe(201);
    let status: Status | undefined;
    await until("the event dead-lettered", async () => {
      status = (await request("GET", "/v1/subscriptions/moved-hook")).body as Status;
      return status.streams[0]?.deadLetters === 1;
    });
    expect(status!.streams[0]).toMatchObject({ delivered: 0, lastError: { message: "webhook answered 302" } });
    expect(moved.requests).toBe(2);
    expect(target.requests).toBe(0);
  });
});
