// `npm run screenshots`: the README's pictures of the dashboard (docs/screenshots/*.png,
// 1280x800). Starts a fresh seeded platform and Debian's Chromium as the dashboard's
// browser test does (scripts/lib/browser.ts, scripts/lib/seeded-platform.ts), puts some
// life in it over the API (an agent with calls, events, a subscription with a dead
// letter, order runs, a denied request), signs in and saves each main page. Stops the
// browser and the server it started, whatever happens.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launchBrowser, watchProblems } from "./lib/browser.ts";
import { ROOT } from "./lib/dev-server.ts";
import { startSeededPlatform } from "./lib/seeded-platform.ts";
import { signToken } from "../src/platform/security/tokens.ts";

const OUT = join(ROOT, "docs", "screenshots");
const WAIT = { timeout: 60_000 };

const platform = await startSeededPlatform("screenshots");
let closeBrowser: (() => Promise<void>) | undefined;
try {
  const call = async (method: string, path: string, body?: unknown, token = platform.token) => {
    const response = await fetch(`${platform.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  };
  await call("POST", "/v1/agents", { type: "counter", id: "counter-1" });
  for (let n = 1; n <= 3; n++) await call("POST", "/v1/agents/counter-1/actions/increment", { by: n });
  await call("POST", "/v1/agents", { type: "counter", id: "orders" });
  await call("POST", "/v1/agents/orders/pause");
  await call("POST", "/v1/subscriptions", { id: "count-orders", patterns: ["order.created"], stream: "order", start: "earliest",
    target: { kind: "agent", agent: "orders", action: "increment", input: { by: 1 } }, delivery: { maxAttempts: 1, baseDelayMs: 100, maxDelayMs: 100 } });
  for (let n = 1; n <= 4; n++) await call("POST", "/v1/events", { source: "shop", type: "order.created", data: { id: `o-${n}`, region: n % 2 ? "us" : "eu" } });
  const runs: string[] = [];
  for (const payment of ["succeed", "decline", "fail", "succeed"]) {
    runs.push((await call("POST", "/v1/workflows/order_processing/runs", { order_id: `o-${payment}`, amount: 42, items: 2, payment })).id);
  }
  // A denied request, for the audit page.
  const reader = await signToken(platform.secret, { subject: "viewer", tenant: "local", caps: ["agents:read:*"] });
  await call("POST", "/v1/agents", { type: "counter", id: "nope" }, reader);

  mkdirSync(OUT, { recursive: true });
  const { browser, context } = await launchBrowser();
  closeBrowser = () => browser.close();
  const problems = await watchProblems(context);
  const page = await context.newPage();
  await page.goto(`${platform.url}/dashboard`);
  await page.locator('[data-testid="signin-token"]').fill(platform.token);
  await page.locator('[data-testid="signin-submit"]').click();
  await page.locator('[data-testid="session-who"]').filter({ hasText: "local-admin" }).waitFor(WAIT);

  const shoot = async (name: string, path: string, ready: string, then?: () => Promise<void>) => {
    await page.goto(`${platform.url}${path}`);
    await page.locator('main[data-state="ready"]').waitFor(WAIT);
    await page.locator(ready).first().waitFor(WAIT);
    await then?.();
    // Charts and refreshes settle.
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(OUT, `${name}.png`) });
    console.log(`saved docs/screenshots/${name}.png`);
  };
  await shoot("overview", "/dashboard", "main .card");
  await shoot("agents", "/dashboard/agents", '[data-testid="spawn-form"]');
  await shoot("agent", "/dashboard/agents/counter-1", '[data-testid="agent-live-status"]:has-text("live")');
  await shoot("streams", "/dashboard/streams?stream=order&from=1", '[data-testid="stream-event"]');
  await shoot("subscriptions", "/dashboard/subscriptions", '[data-testid="subscription-row"]', async () => {
    await page.locator('[data-testid="subscription-dead-letters"]').first().click();
    await page.locator('[data-testid="dead-letters"]').waitFor(WAIT);
  });
  await shoot("workflows", "/dashboard/workflows", '[data-testid="start-run-form"]');
  await shoot("run", `/dashboard/runs/${runs[2]}`, '[data-testid="run-status"][data-status="compensated"]');
  await shoot("audit", "/dashboard/audit", "main table");
  if (problems.length > 0) console.error(`the pages logged problems:\n${problems.join("\n")}`);
} finally {
  await closeBrowser?.();
  await platform.stop();
}
