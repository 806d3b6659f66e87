// Delegations never outlive the token that made them: a grant given (or restored) by a
// token expires no later than the token (clamped, and the answer says when), and so
// does a subscription it creates (delivery stops after it), unless the token holds
// `delegate:durable` (admin holds every capability, that one too).
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { agentOf, busClient, event, publish, spawnIn, subscription, sweepNow } from "./bus.ts";
import { newId } from "./http.ts";
import { admin, as, type Client, expectOk } from "./security.ts";
import { newTenant, tokenFor } from "./tokens.ts";
import type { TokenRequest } from "../../src/platform/security/tokens.ts";

const CALL = "agents:call:counter.increment";
const iso = (ms: number) => new Date(ms).toISOString();

/** A client with a token of `request` (60 s unless said), and the token's expiry as the API writes times. */
const holder = async (tenant: string, request: Partial<TokenRequest>, now?: number): Promise<{ client: Client; expires: string }> => {
  const token = await tokenFor({ tenant, ttlSeconds: 60, ...request }, now);
  return { client: as({ authorization: `Bearer ${token}` }), expires: iso(Number(decodeJwt(token).exp) * 1000) };
};

describe("a grant given by a token", () => {
  const setup = async () => {
    const tenant = newTenant("exp");
    const owner = await admin(tenant);
    const relay = newId("relay");
    expect((await owner.post("/v1/agents", { type: "relay", id: relay })).status).toBe(201);
    const grant = async (by: Client, body: Record<string, unknown>): Promise<string | null> => {
      const reply = await by.post(`/v1/agents/${relay}/grants`, { name: CALL, ...body });
      expect(reply.status, reply.text).toBe(201);
      return reply.body.expiresAt;
    };
    return { tenant, owner, relay, grant };
  };

  it("expires with the token: no expiry, null or a later one is clamped to the token's; an earlier one is kept", async () => {
    const { tenant, grant } = await setup();
    const { client, expires } = await holder(tenant, { subject: "short", caps: ["agents:grant:relay", CALL] });
    const soon = iso(Date.now() + 30_000);
    expect(await grant(client, {})).toBe(expires);
    expect(await grant(client, { expires_at: null })).toBe(expires);
    expect(await grant(client, { expires_at: iso(Date.now() + 86_400_000) })).toBe(expires);
    expect(await grant(client, { expires_at: soon })).toBe(soon);
  });

  it("may outlive the token when the token holds delegate:durable (admin does)", async () => {
    const { tenant, owner, grant } = await setup();
    const { client } = await holder(tenant, { subject: "durable", caps: ["agents:grant:relay", CALL, "delegate:durable"] });
    const tomorrow = iso(Date.now() + 86_400_000);
    expect(await grant(client, {})).toBeNull();
    expect(await grant(client, { expires_at: tomorrow })).toBe(tomorrow);
    expect(await grant(owner, {})).toBeNull();
  });

  it("restored from a checkpoint expires with the restoring token", async () => {
    const { tenant, owner, relay, grant } = await setup();
    expect(await grant(owner, {})).toBeNull();
    const checkpoint = expectOk(await owner.post(`/v1/agents/${relay}/checkpoint`));
    const { client, expires } = await holder(tenant, { subject: "restorer", caps: ["agents:restore:relay", CALL] });
    const copy = newId("copy");
    expect((await client.post(`/v1/agents/${copy}/restore`, checkpoint)).status).toBe(201);
    expect((await owner.get(`/v1/agents/${copy}/grants`)).body.items.map((g: { expiresAt: string | null }) => g.expiresAt)).toEqual([expires]);
  });
});

describe("a subscription created by a token", () => {
  const SUBSCRIBER = ["events:subscribe", "events:read:job", "agents:call:sink.take"];
  const spec = (sink: string) => ({ patterns: ["job.#"], stream: "job", start: "earliest", target: { kind: "agent", agent: sink, action: "take" } });

  it("expires with the token, unless the token holds delegate:durable (admin does)", async () => {
    const bus = await busClient();
    const sink = newId("sink");
    await spawnIn(bus, "sink", sink);
    const short = await holder(bus.tenant, { subject: "short", caps: SUBSCRIBER });
    const durable = await holder(bus.tenant, { subject: "durable", caps: [...SUBSCRIBER, "delegate:durable"] });
    expect(expectOk(await short.client.post("/v1/subscriptions", spec(sink)))).toMatchObject({ expiresAt: short.expires, suspended: null });
    expect(expectOk(await durable.client.post("/v1/subscriptions", spec(sink)))).toMatchObject({ expiresAt: null, suspended: null });
    expect(expectOk(await bus.send("POST", "/v1/subscriptions", spec(sink)))).toMatchObject({ expiresAt: null, suspended: null });
  });

  it("delivers nothing once it has expired; its cursor stays", async () => {
    const bus = await busClient();
    const sink = newId("sink");
    await spawnIn(bus, "sink", sink);
    // A token that expired a second ago is still accepted within the 5 s clock tolerance:
    // the subscription it makes is expired from the start.
    const lapsed = await holder(bus.tenant, { subject: "lapsed", caps: SUBSCRIBER }, Date.now() - 61_000);
    const created = expectOk(await lapsed.client.post("/v1/subscriptions", spec(sink)));
    expect(created).toMatchObject({ expiresAt: lapsed.expires, suspended: "expired" });
    await publish(bus, [event("job.run", { n: 1 })]);
    await sweepNow(bus.tenant, "job");
    expect((await agentOf(bus, sink)).state.received).toEqual([]);
    expect((await subscription(bus, created.id)).streams[0]).toMatchObject({ cursor: 0, last: 1, delivered: 0, deadLetters: 0 });
  });
});
