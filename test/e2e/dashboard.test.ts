// The dashboard in a real browser (Debian's Chromium driven by playwright-core): against
// a fresh platform seeded as `npm start` seeds it, a user signs in with a pasted token,
// spawns an agent through the UI, watches its page change live when an action is
// called over the API, starts an order run from the workflows page and sees its timeline
// reach `completed`, sees a run's page follow its live transitions, follows a stream's
// live tail; and no page logs a console error,
// throws, or violates the dashboard's Content Security Policy.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type Problems, watchProblems } from "../../scripts/lib/browser.ts";
import { type SeededPlatform, startSeededPlatform } from "../../scripts/lib/seeded-platform.ts";

/** Generous: a cold `wrangler dev` on a busy 2-core machine. */
const WAIT = { timeout: 60_000 };

describe("the dashboard in Chromium", () => {
  let platform: SeededPlatform | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let problems: Problems;
  let page: Page;

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${platform!.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${platform!.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  const testid = (id: string) => page.locator(`[data-testid="${id}"]`);

  beforeAll(async () => {
    platform = await startSeededPlatform("e2e-dashboard");
    ({ browser, context } = await launchBrowser());
    problems = await watchProblems(context);
    page = await context.newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it("signs in with a pasted token", async () => {
    await page.goto(`${platform!.url}/dashboard`);
    await testid("signin-token").fill(platform!.token);
    await testid("signin-submit").click();
    await testid("session-who").filter({ hasText: "local-admin @ local" }).waitFor(WAIT);
    await page.locator('main[data-page="overview"][data-state="ready"]').waitFor(WAIT);
  });

  it("spawns an agent through the UI and shows its state change live when an action is called over the API", async () => {
    await page.locator('#nav a[data-nav="agents"]').click();
    const form = testid("spawn-form");
    await form.waitFor(WAIT);
    await testid("spawn-type").selectOption("counter");
    await testid("spawn-id").fill("dash-counter-1");
    await testid("spawn-submit").click();
    await page.waitForURL(/\/dashboard\/agents\/dash-counter-1$/, WAIT);
    expect(((await api("GET", "/v1/agents/dash-counter-1")).body as { type: string }).type).toBe("counter");
    await testid("agent-live-status").filter({ hasText: "live" }).waitFor(WAIT);
    await testid("agent-live-state").filter({ hasText: '"value": 0' }).waitFor(WAIT);
    // Called from the test, not the page: the page learns of it over its socket.
    const called = await api("POST", "/v1/agents/dash-counter-1/actions/increment", { by: 5 });
    expect(called.body).toEqual({ value: 5 });
    await testid("agent-live-state").filter({ hasText: '"value": 5' }).waitFor(WAIT);
  });

  it("starts an order run from the workflows page and sees its timeline reach completed", async () => {
    await page.locator('#nav a[data-nav="workflows"]').click();
    const form = page.locator('[data-testid="start-run-form"][data-workflow="order_processing"]');
    await form.waitFor(WAIT);
    await form.locator('[data-testid="run-input-order_id"]').fill("o-dashboard-1");
    await form.locator('[data-testid="run-input-amount"]').fill("42");
    await form.locator('[data-testid="run-input-items"]').fill("2");
    await form.locator('[data-testid="run-input-payment"]').selectOption("succeed");
    await form.locator('[data-testid="start-run-submit"]').click();
    await page.waitForURL(/\/dashboard\/runs\/run_[0-9a-f]+$/, WAIT);
    // The timeline goes on live until the run ends.
    await page.locator('[data-testid="run-status"][data-status="completed"]').waitFor({ timeout: 120_000 });
    const rows = page.locator('[data-testid="timeline-row"]');
    for (const step of ["validate_order", "check_inventory", "process_payment", "fulfill_order", "send_confirmation"]) {
      await rows.and(page.locator(`[data-step="${step}"]`)).and(page.locator('[data-status="completed"]')).waitFor(WAIT);
    }
    await rows.and(page.locator('[data-step="cancel_order"]')).and(page.locator('[data-status="skipped"]')).waitFor(WAIT);
    const runId = page.url().split("/").at(-1)!;
    // What the page shows is what the API says.
    const run = (await api("GET", `/v1/runs/${runId}`)).body as { status: string; input: { order_id: string }; steps: { name: string; agent: string | null }[] };
    expect(run.status).toBe("completed");
    expect(run.input.order_id).toBe("o-dashboard-1");
    const paymentAgent = run.steps.find((s) => s.name === "process_payment")!.agent!;
    await rows.and(page.locator('[data-step="process_payment"]')).getByRole("link", { name: paymentAgent }).waitFor(WAIT);
    // The run list shows it with its status.
    await page.locator('#nav a[data-nav="workflows"]').click();
    await page.locator(`[data-testid="run-row"][data-run="${runId}"][data-status="completed"]`).waitFor(WAIT);
  });

  it("follows a run's live transitions on its page while it goes on", async () => {
    // A payment that hangs keeps the run going (it times out after ~35 s; leaving the page ends the stream).
    const started = await api("POST", "/v1/workflows/order_processing/runs", { order_id: "o-dashboard-2", amount: 42, items: 2, payment: "hang" });
    expect(started.status).toBe(202);
    const live = page.waitForResponse((response) => response.url().endsWith(`/v1/runs/${started.body.id}/live`) && response.status() === 200, WAIT);
    await page.goto(`${platform!.url}/dashboard/runs/${started.body.id}`);
    expect((await live).headers()["content-type"]).toBe("text/event-stream");
    await testid("run-live").filter({ hasText: "following its transitions" }).waitFor(WAIT);
    await page.locator('[data-testid="timeline-row"][data-step="process_payment"][data-status="running"]').waitFor(WAIT);
  });

  it("reads a stream from a sequence and follows its live tail", async () => {
    expect((await api("POST", "/v1/events", { source: "shop", type: "order.created", data: { id: "o-tail-1" } })).status).toBe(201);
    await page.goto(`${platform!.url}/dashboard/streams?stream=order&from=1`);
    await testid("stream-events").locator('[data-testid="stream-event"]').filter({ hasText: "o-tail-1" }).waitFor(WAIT);
    await testid("stream-tail").click();
    await testid("stream-tail-state").filter({ hasText: "live: order" }).waitFor(WAIT);
    expect((await api("POST", "/v1/events", { source: "shop", type: "order.paid", data: { id: "o-tail-2" } })).status).toBe(201);
    await testid("stream-tail-events").locator('[data-testid="stream-event"]').filter({ hasText: "o-tail-2" }).waitFor(WAIT);
    await testid("stream-tail").click();
  });

  it("shows a subscription's lag and dead letters, and pauses and resumes it", async () => {
    expect((await api("POST", "/v1/agents", { type: "counter", id: "dash-orders" })).status).toBe(201);
    // The target is paused: its one delivery attempt fails, so the event is dead-lettered.
    expect((await api("POST", "/v1/agents/dash-orders/pause")).status).toBe(200);
    const created = await api("POST", "/v1/subscriptions", {
      id: "dash-count", patterns: ["order.created"], stream: "order", start: "earliest",
      target: { kind: "agent", agent: "dash-orders", action: "increment", input: { by: 1 } },
      delivery: { maxAttempts: 1, baseDelayMs: 100, maxDelayMs: 100 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await page.locator('#nav a[data-nav="subscriptions"]').click();
    const row = page.locator('[data-testid="subscription-row"][data-subscription="dash-count"]');
    await row.locator('[data-testid="subscription-dead-letters"]').filter({ hasText: "Dead letters (1)" }).waitFor(WAIT);
    await row.locator('[data-testid="subscription-dead-letters"]').click();
    await testid("dead-letters").filter({ hasText: "order.created" }).waitFor(WAIT);
    await row.locator('[data-testid="subscription-pause"]').click();
    await page.locator('[data-testid="subscription-row"][data-subscription="dash-count"][data-status="paused"]').waitFor(WAIT);
    expect(((await api("GET", "/v1/subscriptions/dash-count")).body as { status: string }).status).toBe("paused");
    await page.locator('[data-testid="subscription-row"][data-subscription="dash-count"] [data-testid="subscription-resume"]').click();
    await page.locator('[data-testid="subscription-row"][data-subscription="dash-count"][data-status="active"]').waitFor(WAIT);
  });

  it("shows the overview and audit pages", async () => {
    await page.locator('#nav a[data-nav="overview"]').click();
    await page.locator('main[data-page="overview"][data-state="ready"]').waitFor(WAIT);
    await page.locator('#nav a[data-nav="audit"]').click();
    await page.locator('main[data-page="audit"][data-state="ready"]').waitFor(WAIT);
  });

  it("logged no console error, uncaught exception or CSP violation on any page", () => {
    expect(problems).toEqual([]);
  });
});
