// The webhook policy at the API and at delivery: a subscription whose URL would reach
// the deployment's own network (loopback, private, link-local, metadata, local names,
// in any notation) or is not https is refused with 400 naming `target.url`, and
// nothing is created; the deployment's allow-list admits 127.0.0.1; a delivery checks
// the policy again, does not follow redirects, and reports only a status or
// "unreachable". These tests run under the default policy (vitest.workers.config.ts
// sets no JIDO_WEBHOOK_*); the allow-list is given to a second app built on the same
// bindings, as a deployment's variables would be. Outbound fetch is intercepted as in
// events-delivery.test.ts.
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { demoAgents } from "../../src/agents/index.ts";
import { createApp } from "../../src/app.ts";
import { createAgentRegistry } from "../../src/platform/agent/registry.ts";
import { type Bus, busClient, event, eventually, publish, readAll, subscribe, subscription } from "./bus.ts";
import { type Body, expectInvalid, expectProblem, toReply } from "./http.ts";
import { deadLetterStream } from "../../src/platform/events/subscription.ts";
import { admin, client, expectForbidden } from "./security.ts";
import { adminOf, newTenant } from "./tokens.ts";

const FAST = { baseDelayMs: 10, maxDelayMs: 50 };
const PUBLIC_ONLY = "; webhooks must reach a public host";

const webhookSpec = (url: string, extra: Record<string, unknown> = {}) => ({ patterns: ["order.*"], stream: "order", target: { kind: "webhook", url }, ...extra });

const subscriptionsOf = async (bus: Bus): Promise<Body[]> => (await bus.send("GET", "/v1/subscriptions?limit=1000")).body.items;

describe("creating a webhook subscription", () => {
  it.each([
    ["http to a public host", "http://hooks.example.com/x", "only https URLs are accepted"],
    ["another scheme", "ftp://example.com/x", "only https URLs are accepted (http only where the deployment allows it)"],
    ["a loopback address", "https://127.0.0.1:6379/", `127.0.0.1 is a loopback address (127.0.0.0/8)${PUBLIC_ONLY}`],
    ["loopback as hex", "https://0x7f.1/", `127.0.0.1 is a loopback address (127.0.0.0/8)${PUBLIC_ONLY}`],
    ["loopback as octal", "https://0177.0.0.1/", `127.0.0.1 is a loopback address (127.0.0.0/8)${PUBLIC_ONLY}`],
    ["loopback as one decimal number", "https://2130706433/", `127.0.0.1 is a loopback address (127.0.0.0/8)${PUBLIC_ONLY}`],
    ["loopback shortened", "https://127.1/", `127.0.0.1 is a loopback address (127.0.0.0/8)${PUBLIC_ONLY}`],
    ["IPv6 loopback", "https://[::1]/", `[::1] is a loopback address (::1/128)${PUBLIC_ONLY}`],
    ["IPv6 loopback in full", "https://[0:0:0:0:0:0:0:1]/", `[::1] is a loopback address (::1/128)${PUBLIC_ONLY}`],
    ["IPv4-mapped loopback", "https://[::ffff:127.0.0.1]/", `[::ffff:7f00:1] carries 127.0.0.1, a loopback address (127.0.0.0/8)${PUBLIC_ONLY}`],
    ["IPv4-mapped loopback in hex", "https://[::ffff:7f00:1]/", `[::ffff:7f00:1] carries 127.0.0.1, a loopback address (127.0.0.0/8)${PUBLIC_ONLY}`],
    ["IPv4-compatible loopback", "https://[::127.0.0.1]/", `[::7f00:1] carries 127.0.0.1, a loopback address (127.0.0.0/8)${PUBLIC_ONLY}`],
    ["NAT64 metadata", "https://[64:ff9b::169.254.169.254]/", `[64:ff9b::a9fe:a9fe] carries 169.254.169.254, a cloud metadata address (169.254.169.254/32)${PUBLIC_ONLY}`],
    ["the metadata address", "https://169.254.169.254/latest/meta-data/", `169.254.169.254 is a cloud metadata address (169.254.169.254/32)${PUBLIC_ONLY}`],
    ["a link-local address", "https://169.254.10.10/", `169.254.10.10 is a link-local address (169.254.0.0/16)${PUBLIC_ONLY}`],
    ["an RFC 1918 address", "https://10.0.0.1/", `10.0.0.1 is a private address (10.0.0.0/8)${PUBLIC_ONLY}`],
    ["a CGNAT address", "https://100.64.0.1/", `100.64.0.1 is a private address (100.64.0.0/10)${PUBLIC_ONLY}`],
    ["a unique local address", "https://[fd00::1]/", `[fd00::1] is a private address (fc00::/7)${PUBLIC_ONLY}`],
    ["an IPv6 link-local address", "https://[fe80::1]/", `[fe80::1] is a link-local address (fe80::/10)${PUBLIC_ONLY}`],
    ["the unspecified address", "https://0.0.0.0/", `0.0.0.0 is an unspecified address (0.0.0.0/8)${PUBLIC_ONLY}`],
    ["a multicast address", "https://224.0.0.1/", `224.0.0.1 is a multicast address (224.0.0.0/4)${PUBLIC_ONLY}`],
    ["the broadcast address", "https://255.255.255.255/", `255.255.255.255 is the broadcast address (255.255.255.255/32)${PUBLIC_ONLY}`],
    ["localhost", "https://localhost:8787/", `localhost is a loopback host name${PUBLIC_ONLY}`],
    ["a *.localhost name", "https://app.localhost/", `app.localhost is a loopback host name${PUBLIC_ONLY}`],
    ["the metadata name", "https://metadata.google.internal/computeMetadata/v1/", `metadata.google.internal is a cloud metadata host name${PUBLIC_ONLY}`],
    ["an .internal name", "https://db.internal/", `db.internal is a local network name (.internal)${PUBLIC_ONLY}`],
    ["a .local name", "https://printer.local/", `printer.local is a local network name (.local)${PUBLIC_ONLY}`],
    ["a name without a dot", "https://redis:6379/", `redis is a single-label name, resolved on the local network${PUBLIC_ONLY}`],
  ])("refuses %s with 400 naming target.url and the reason, creating nothing", async (_what, url, message) => {
    const bus = await busClient();
    const reply = await bus.send("POST", "/v1/subscriptions", webhookSpec(url, { id: "hook" }));
    const body = expectInvalid(reply, "target.url");
    expect(body.errors).toEqual([{ path: "target.url", message }]);
    expectProblem(await bus.send("GET", "/v1/subscriptions/hook"), 404, "not-found");
    expect(await subscriptionsOf(bus)).toEqual([]);
  });

  it("admits https to a public host", async () => {
    const bus = await busClient();
    const created = await subscribe(bus, webhookSpec("https://hooks.example.com/orders"));
    expect(created).toMatchObject({ target: { kind: "webhook", url: "https://hooks.example.com/orders" }, secret: expect.any(String) });
  });

  it("answers 403, not the policy's verdict, to a token that may not subscribe", async () => {
    const tenant = newTenant("wh");
    const reader = await client({ tenant, caps: ["events:read:*"] });
    expectForbidden(await reader.post("/v1/subscriptions", webhookSpec("https://127.0.0.1/")), "events:subscribe");
    expect((await (await admin(tenant)).get("/v1/subscriptions")).body.items).toEqual([]);
  });
});

// --- The allow-list, as a deployment's variables --------------------------------

const LOCAL = { JIDO_WEBHOOK_ALLOW: "127.0.0.1", JIDO_WEBHOOK_ALLOW_HTTP: "true" };

/** The platform's app, built as the Worker builds it, to call with other bindings than the tests' own. */
const app = createApp({ registry: createAgentRegistry(demoAgents) });

/** Creates a subscription through the app with `vars` added to the bindings (the objects keep the tests' own). */
const createWith = async (vars: Record<string, string>, tenant: string, spec: unknown) => {
  const init = { method: "POST", headers: { ...(await adminOf(tenant)), "content-type": "application/json" }, body: JSON.stringify(spec) };
  return toReply(await app.request("/v1/subscriptions", init, { ...env, ...vars }));
};

describe("the allow-list (JIDO_WEBHOOK_ALLOW, JIDO_WEBHOOK_ALLOW_HTTP)", () => {
  afterEach(() => vi.restoreAllMocks());

  it("admits http://127.0.0.1 at creation, and only what it lists", async () => {
    const bus = await busClient();
    const created = await createWith(LOCAL, bus.tenant, webhookSpec("http://127.0.0.1:9/hook", { id: "local" }));
    expect(created.status, created.text).toBe(201);
    expectInvalid(await createWith(LOCAL, bus.tenant, webhookSpec("http://127.0.0.2:9/hook")), "target.url");
    expectInvalid(await createWith(LOCAL, bus.tenant, webhookSpec("http://10.0.0.1/hook")), "target.url");
    expect((await subscriptionsOf(bus)).map((s) => s.id)).toEqual(["local"]);
  });

  it("answers 503 while it is malformed, creating nothing (a policy that cannot be read admits nothing)", async () => {
    const bus = await busClient();
    const reply = await createWith({ JIDO_WEBHOOK_ALLOW: "http://127.0.0.1" }, bus.tenant, webhookSpec("https://hooks.example.com/x"));
    const body = expectProblem(reply, 503, "webhook-policy-not-configured");
    expect(body.detail).toContain("JIDO_WEBHOOK_ALLOW");
    expect(body.detail).not.toContain("http://127.0.0.1");
    expect(await subscriptionsOf(bus)).toEqual([]);
  });

  it("is read again at delivery: a target the current policy refuses is a failed delivery, never sent", async () => {
    const sent: string[] = [];
    const original = globalThis.fetch;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (!url.startsWith("http://127.0.0.1:9/")) return original(input, init);
      sent.push(url);
      return new Response(null, { status: 204 });
    });
    const bus = await busClient();
    // Created while the deployment allowed it; the objects now run without the allow-list.
    const created = await createWith(LOCAL, bus.tenant, webhookSpec("http://127.0.0.1:9/hook", { id: "was-allowed", start: "earliest", delivery: { maxAttempts: 2, ...FAST } }));
    expect(created.status, created.text).toBe(201);
    await publish(bus, [event("order.created", { n: 1 })]);
    const status = await eventually("dead-lettered", () => subscription(bus, "was-allowed"), (s) => s.streams[0]?.deadLetters === 1);
    expect(status.streams[0]).toMatchObject({ delivered: 0, lastError: { sequence: 1, message: "webhook target refused by policy" } });
    expect(sent).toEqual([]);
    const [letter] = await readAll(bus, deadLetterStream("was-allowed"));
    expect(letter).toMatchObject({ data: { subscription: "was-allowed", error: "webhook target refused by policy" } });
  });
});

// --- Delivery: no redirects, no network details ----------------------------------

describe("a webhook delivery", () => {
  afterEach(() => vi.restoreAllMocks());

  /**
   * Intercepts fetch to hooks.example.test: `/moved` answers 302 to `/elsewhere`, and
   * like fetch's default the interceptor follows it unless the request says "manual";
   * `/down` fails as a refused connection does, with the network stack's words.
   */
  const interceptHooks = () => {
    const hits: string[] = [];
    const original = globalThis.fetch;
    const answer = async (url: string, init: RequestInit | undefined): Promise<Response> => {
      hits.push(url);
      if (url.endsWith("/down")) throw new TypeError("Network connection lost: connect ECONNREFUSED 10.1.2.3:6379 (internal detail)");
      if (!url.endsWith("/moved")) return new Response(null, { status: 204 });
      const location = "https://hooks.example.test/elsewhere";
      return init?.redirect === "manual" ? new Response(null, { status: 302, headers: { location } }) : answer(location, init);
    };
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      return url.startsWith("https://hooks.example.test/") ? answer(url, init) : original(input, init);
    });
    return hits;
  };

  it("does not follow a redirect: a 3xx is a failed delivery, and the place it points to receives nothing", async () => {
    const hits = interceptHooks();
    const bus = await busClient();
    const created = await subscribe(bus, webhookSpec("https://hooks.example.test/moved", { start: "earliest", delivery: { maxAttempts: 2, ...FAST } }));
    await publish(bus, [event("order.created", { n: 1 })]);
    const status = await eventually("dead-lettered", () => subscription(bus, created.id), (s) => s.streams[0]?.deadLetters === 1);
    expect(status.streams[0]).toMatchObject({ delivered: 0, lastError: { sequence: 1, message: "webhook answered 302" } });
    expect(hits).toEqual(["https://hooks.example.test/moved", "https://hooks.example.test/moved"]);
  });

  it("reports an unreachable receiver as 'webhook unreachable', without the network stack's words", async () => {
    interceptHooks();
    const bus = await busClient();
    const created = await subscribe(bus, webhookSpec("https://hooks.example.test/down", { start: "earliest", delivery: { maxAttempts: 1, ...FAST } }));
    await publish(bus, [event("order.created", { n: 1 })]);
    const status = await eventually("dead-lettered", () => subscription(bus, created.id), (s) => s.streams[0]?.deadLetters === 1);
    expect(status.streams[0].lastError).toMatchObject({ sequence: 1, message: "webhook unreachable" });
    const [letter] = await readAll(bus, deadLetterStream(created.id));
    expect(letter.data.error).toBe("webhook unreachable");
  });
});
