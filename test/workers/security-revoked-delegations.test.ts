// What a revoked token leaves behind stops acting for it: its subscriptions deliver
// nothing more (the cursor stays, the view says `suspended: "revoked"`), live
// connections to them are closed, and the grants it gave agents no longer pass an
// agent's call to another agent; delegations by other principals keep working.
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { agentOf, busClient, event, eventually, publish, spawnIn, subscription, sweepNow } from "./bus.ts";
import { type Body, expectProblem, newId, type Reply } from "./http.ts";
import { admin, as, type Client, expectOk } from "./security.ts";
import { newTenant, tokenFor } from "./tokens.ts";

const CALL = "agents:call:counter.increment";

/** A client of `subject` in `tenant` holding `caps`, and its token's jti. */
const holderOf = async (tenant: string, subject: string, caps: string[]) => {
  const token = await tokenFor({ tenant, subject, caps });
  return { client: as({ authorization: `Bearer ${token}` }), jti: String(decodeJwt(token).jti), authorization: `Bearer ${token}` };
};

const revoke = async (owner: Client, body: Record<string, string>): Promise<void> => {
  expect((await owner.post("/v1/revocations", body)).status).toBe(201);
};

describe("a subscription whose creator was revoked", () => {
  const SUBSCRIBER = ["events:subscribe", "events:read:job", "agents:call:sink.take"];

  /** A sink agent and a subscription of `job.#` to it made by `creator`; one event delivered. */
  const delivering = async (tenant: string, creator: Client) => {
    const bus = await busClient(tenant);
    const sink = newId("sink");
    await spawnIn(bus, "sink", sink);
    const created = await creator.post("/v1/subscriptions", { patterns: ["job.#"], stream: "job", start: "earliest", target: { kind: "agent", agent: sink, action: "take" } });
    expect(created.status, created.text).toBe(201);
    await publish(bus, [event("job.run", { n: 1 })]);
    await eventually("the first delivery", () => agentOf(bus, sink), (agent) => agent.state.received.length === 1);
    return { bus, sink, id: created.body.id as string };
  };

  /** After a revocation: a new event is not delivered by a delivery pass; the cursor stays; the view says why. */
  const expectStopped = async (tenant: string, sink: string, id: string) => {
    const bus = await busClient(tenant);
    await publish(bus, [event("job.run", { n: 2 })]);
    await sweepNow(tenant, "job");
    expect((await agentOf(bus, sink)).state.received).toEqual([1]);
    const view = await subscription(bus, id);
    expect(view).toMatchObject({ status: "active", suspended: "revoked" });
    expect(view.streams[0]).toMatchObject({ cursor: 1, last: 2, lag: 1, delivered: 1, deadLetters: 0 });
  };

  it("stops delivering when its creator's subject is revoked", async () => {
    const tenant = newTenant("rvd");
    const alice = await holderOf(tenant, "alice", SUBSCRIBER);
    const { sink, id } = await delivering(tenant, alice.client);
    await revoke(await admin(tenant), { sub: "alice" });
    await expectStopped(tenant, sink, id);
  });

  it("stops delivering when the token that created it is revoked by jti", async () => {
    const tenant = newTenant("rvd");
    const carol = await holderOf(tenant, "carol", SUBSCRIBER);
    const { sink, id } = await delivering(tenant, carol.client);
    await revoke(await admin(tenant), { jti: carol.jti });
    await expectStopped(tenant, sink, id);
  });

  it("keeps delivering for a creator who was not revoked", async () => {
    const tenant = newTenant("rvd");
    const dave = await holderOf(tenant, "dave", SUBSCRIBER);
    const { bus, sink, id } = await delivering(tenant, dave.client);
    await revoke(await admin(tenant), { sub: "alice" });
    await publish(bus, [event("job.run", { n: 2 })]);
    await eventually("the second delivery", () => agentOf(bus, sink), (agent) => agent.state.received.length === 2);
    expect(await subscription(bus, id)).toMatchObject({ suspended: null });
  });

  it("closes its creator's live connection and pushes nothing more", async () => {
    const tenant = newTenant("rvd");
    const erin = await holderOf(tenant, "erin", ["events:subscribe", "events:read:order"]);
    const created = expectOk(await erin.client.post("/v1/subscriptions", { patterns: ["order.*"], stream: "order", target: { kind: "live" } }));
    const bus = await busClient(tenant);
    const response = await bus.fetch(`/v1/streams/order/tail?subscription=${created.id}`, { headers: { upgrade: "websocket", authorization: erin.authorization } });
    expect(response.status).toBe(101);
    const ws = response.webSocket!;
    const received: Body[] = [];
    let closed: number | null = null;
    ws.addEventListener("message", (message) => received.push(JSON.parse(message.data as string)));
    ws.addEventListener("close", (close) => {
      closed = close.code;
    });
    ws.accept();
    await publish(bus, [event("order.paid", { n: 1 })]);
    await eventually("the first push", async () => received.length, (n) => n === 1);
    await revoke(await admin(tenant), { sub: "erin" });
    await publish(bus, [event("order.paid", { n: 2 })]);
    expect(await eventually("the close", async () => closed, (code) => code !== null)).toBe(1008);
    expect(received.map((e) => e.data.n)).toEqual([1]);
  });
});

describe("grants given by a revoked principal", () => {
  /** A counter `target` and a relay agent whose `forward` calls it, run by the tenant's admin. */
  const setup = async () => {
    const tenant = newTenant("rvd");
    const owner = await admin(tenant);
    const target = newId("target");
    const relay = newId("relay");
    expect((await owner.post("/v1/agents", { type: "counter", id: target })).status).toBe(201);
    expect((await owner.post("/v1/agents", { type: "relay", id: relay })).status).toBe(201);
    const forward = (by: number) => owner.post(`/v1/agents/${relay}/actions/forward`, { target, by });
    const value = async (): Promise<number> => (await owner.get(`/v1/agents/${target}`)).body.state.value;
    const granter = (subject: string) => holderOf(tenant, subject, ["agents:grant:relay", CALL]);
    const give = async (by: Client) => expect((await by.post(`/v1/agents/${relay}/grants`, { name: CALL })).status).toBe(201);
    return { tenant, owner, relay, forward, value, granter, give };
  };

  const expectInnerRefusal = (reply: Reply): void => {
    const body = expectProblem(reply, 422, "action-failed");
    expect(body.code).toBe("forbidden");
  };

  it("no longer pass an agent's call to another agent once the granter's subject is revoked; others' grants do", async () => {
    const { owner, relay, forward, value, granter, give } = await setup();
    const frank = await granter("frank");
    await give(frank.client);
    expect((await forward(3)).body).toEqual({ value: 3 });

    await revoke(owner, { sub: "frank" });
    expectInnerRefusal(await forward(1));
    expect(await value()).toBe(3);
    // The grant is still listed (revoking the token voids it; deleting is the owner's call).
    expect((await owner.get(`/v1/agents/${relay}/grants`)).body.items).toHaveLength(1);

    await give(owner);
    expect((await forward(1)).body).toEqual({ value: 4 });
  });

  it("no longer pass once the token that gave them is revoked by jti", async () => {
    const { owner, forward, value, granter, give } = await setup();
    const grace = await granter("grace");
    await give(grace.client);
    expect((await forward(2)).body).toEqual({ value: 2 });
    await revoke(owner, { jti: grace.jti });
    expectInnerRefusal(await forward(1));
    expect(await value()).toBe(2);
  });
});
