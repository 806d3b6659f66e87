// Live state sync: a WebSocket per watcher of an agent. On connect the state and its
// version; after each committed change a JSON Patch (or the whole state); a reconnect
// with `since` gets what it missed; calls over the socket with the ticket's principal.
// Tickets are single use and short-lived, a token in the URL is refused, and every
// refusal (no capability, read scope calling) changes nothing and is audited.
import { SELF, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { applyPatch } from "rfc6902";
import { describe, expect, it } from "vitest";
import { agentObjectName } from "../../src/platform/agent/naming.ts";
import { LIVE_LIMITS } from "../../src/platform/live/limits.ts";
import { eventually } from "./eventually.ts";
import { type Body, expectInvalid, expectProblem, newId, toReply } from "./http.ts";
import { open, protocols, received, ticketFor } from "./live-sockets.ts";
import { admin, client, type Client, expectAudited, expectForbidden, expectOk, type HeaderMap } from "./security.ts";
import { bearer, newTenant } from "./tokens.ts";

const upgrade = async (id: string, headers: HeaderMap, query = "") =>
  toReply(await SELF.fetch(`http://localhost/v1/agents/${id}/live${query}`, { headers: { upgrade: "websocket", ...headers } }));

/** A fresh tenant with a counter `id`, its admin, and the state the counter has. */
const setup = async () => {
  const tenant = newTenant("live");
  const owner = await admin(tenant);
  const id = newId("c");
  expect((await owner.post("/v1/agents", { type: "counter", id })).status).toBe(201);
  return { tenant, owner, id };
};

const increment = async (owner: Client, id: string, by = 1) => expectOk(await owner.post(`/v1/agents/${id}/actions/increment`, { by }));

/** A sink agent with a long list already: a change patches to far less than the whole state. */
const setupSink = async () => {
  const tenant = newTenant("live");
  const owner = await admin(tenant);
  const id = newId("s");
  const received = Array.from({ length: 20 }, (_, i) => i);
  expect((await owner.post("/v1/agents", { type: "sink", id, state: { received } })).status).toBe(201);
  return { tenant, owner, id, take: async (n: number) => expectOk(await owner.post(`/v1/agents/${id}/actions/take`, { n })) };
};

describe("live state over a WebSocket", () => {
  it("sends the state and its version on connect, then a patch per committed change that brings a copy up to date", async () => {
    const { owner, id, take } = await setupSink();
    await take(100);
    const live = await open(id, protocols(await ticketFor(owner, id)));
    expect(live.protocol).toBe("jido.live.v1");
    await received(live, 1);
    expect(live.received[0]).toMatchObject({ type: "state", version: 1, state: { received: expect.arrayContaining([100]) } });
    await take(101);
    await take(102);
    await received(live, 3);
    expect(live.received[1]).toEqual({ type: "patch", from: 1, version: 2, patch: [{ op: "add", path: "/received/-", value: 101 }] });
    const copy = structuredClone(live.received[0].state);
    for (const message of live.received.slice(1)) applyPatch(copy, message.patch);
    expect(copy).toEqual((await owner.get(`/v1/agents/${id}`)).body.state);
    expect(live.received[2].version).toBe(3);
    live.ws.close(1000, "done");
  });

  it("sends the whole state when it is smaller than the patch", async () => {
    const { owner, id } = await setup();
    const live = await open(id, protocols(await ticketFor(owner, id)));
    await received(live, 1);
    await increment(owner, id, 7);
    await received(live, 2);
    expect(live.received[1]).toEqual({ type: "state", version: 1, state: { value: 7 } });
    live.ws.close(1000, "done");
  });

  it("sends a reconnecting client what it missed, nothing when it is up to date, and the whole state for a version it cannot bridge", async () => {
    const { owner, id, take } = await setupSink();
    const first = await open(id, protocols(await ticketFor(owner, id)));
    await received(first, 1);
    await take(1);
    await received(first, 2);
    first.ws.close(1000, "offline");
    await take(2);
    await take(3);
    const back = await open(id, protocols(await ticketFor(owner, id)), "?since=1");
    await received(back, 2);
    expect(back.received.map((m: Body) => [m.type, m.from, m.version])).toEqual([["patch", 1, 2], ["patch", 2, 3]]);
    const current = await open(id, protocols(await ticketFor(owner, id)), "?since=3");
    await received(current, 1);
    expect(current.received[0]).toEqual({ type: "patch", from: 3, version: 3, patch: [] });
    const unknown = await open(id, protocols(await ticketFor(owner, id)), "?since=99");
    await received(unknown, 1);
    expect(unknown.received[0]).toMatchObject({ type: "state", version: 3 });
    for (const live of [back, current, unknown]) live.ws.close(1000, "done");
  });

  it("answers the state and its version to a plain GET", async () => {
    const { owner, id } = await setup();
    await increment(owner, id, 4);
    expect((await owner.get(`/v1/agents/${id}/live`)).body).toEqual({ type: "state", version: 1, state: { value: 4 } });
  });

  it("accepts the Authorization header on the upgrade (for clients that can send it), with the token's capabilities", async () => {
    const { tenant, owner, id } = await setup();
    const live = await open(id, await bearer({ tenant, caps: ["agents:read:counter"] }));
    await received(live, 1);
    expect(live.received[0]).toEqual({ type: "state", version: 0, state: { value: 0 } });
    live.ws.send(JSON.stringify({ call: "increment", input: { by: 1 }, id: 1 }));
    await received(live, 2);
    expect(live.received[1]).toMatchObject({ reply: 1, problem: { status: 403 } });
    expectForbidden(await upgrade(id, await bearer({ tenant, caps: [] })), "agents:read:counter");
    expect((await owner.get(`/v1/agents/${id}`)).body.state).toEqual({ value: 0 });
    live.ws.close(1000, "done");
  });
});

describe("calls over the socket", () => {
  it("answers a call with its output (matched by id), and the change arrives as a patch", async () => {
    const { owner, id } = await setupSink();
    const live = await open(id, protocols(await ticketFor(owner, id, "call")));
    await received(live, 1);
    live.ws.send(JSON.stringify({ call: "take", input: { n: 42 }, id: "a1", idempotencyKey: "k-1" }));
    await received(live, 3);
    const list = [...Array.from({ length: 20 }, (_, i) => i), 42];
    expect(live.received).toContainEqual({ type: "reply", reply: "a1", output: { received: list } });
    expect(live.received).toContainEqual({ type: "patch", from: 0, version: 1, patch: [{ op: "add", path: "/received/-", value: 42 }] });
    // The same key again is a replay: same output, no second change.
    live.ws.send(JSON.stringify({ call: "take", input: { n: 42 }, id: "a2", idempotencyKey: "k-1" }));
    await received(live, 4);
    expect(live.received[3]).toEqual({ type: "reply", reply: "a2", output: { received: list }, replayed: true });
    expect((await owner.get(`/v1/agents/${id}`)).body.state).toEqual({ received: list });
    live.ws.close(1000, "done");
  });

  it("answers a bad message with a problem naming the field, and a message over the size limit closes with 1009", async () => {
    const { owner, id } = await setup();
    const live = await open(id, protocols(await ticketFor(owner, id, "call")));
    await received(live, 1);
    live.ws.send("not json");
    live.ws.send(JSON.stringify({ call: "Increment", id: 7 }));
    live.ws.send(JSON.stringify({ call: "increment", input: { by: "x" }, id: 8 }));
    await received(live, 4);
    // Messages are handled concurrently, so replies may come in any order: each is matched by its id.
    const replyTo = (id: number | undefined) => live.received.filter((message) => message.type === "reply" && message.reply === id);
    expect(replyTo(undefined)).toMatchObject([{ problem: { status: 400, errors: [{ path: "message" }] } }]);
    expect(replyTo(7)).toMatchObject([{ problem: { status: 400, errors: [{ path: "message.call" }] } }]);
    expect(replyTo(8)).toMatchObject([{ problem: { status: 400, errors: [{ path: "by" }] } }]);
    live.ws.send("x".repeat(LIVE_LIMITS.maxMessageBytes + 1));
    expect(await eventually("the close", async () => live.closed(), (code) => code !== null)).toBe(1009);
    expect((await owner.get(`/v1/agents/${id}`)).body.state).toEqual({ value: 0 });
  });

  it("refuses calls past the socket's rate with 429 problems; only the admitted ones changed the state", async () => {
    const { owner, id } = await setup();
    const live = await open(id, protocols(await ticketFor(owner, id, "call")));
    await received(live, 1);
    const calls = LIVE_LIMITS.callBurst + 10;
    for (let i = 0; i < calls; i++) live.ws.send(JSON.stringify({ call: "increment", input: { by: 1 }, id: i }));
    const replies = async () => live.received.filter((m: Body) => m.type === "reply");
    const all = await eventually("every reply", replies, (r) => r.length >= calls);
    const ok = all.filter((m: Body) => m.output !== undefined).length;
    const limited = all.filter((m: Body) => m.problem?.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(ok + limited.length).toBe(calls);
    expect((await owner.get(`/v1/agents/${id}`)).body.state).toEqual({ value: ok });
    live.ws.close(1000, "done");
  });
});

describe("tickets", () => {
  it("opens one socket only: a second upgrade with the same ticket is refused", async () => {
    const { owner, id } = await setup();
    const ticket = await ticketFor(owner, id);
    const live = await open(id, protocols(ticket));
    expectProblem(await upgrade(id, protocols(ticket)), 401, "ticket-refused");
    expectProblem(await upgrade(id, {}, `?ticket=${ticket}`), 401, "ticket-refused");
    live.ws.close(1000, "done");
  });

  it("works as ?ticket= for clients that cannot offer a subprotocol", async () => {
    const { owner, id } = await setup();
    const live = await open(id, {}, `?ticket=${await ticketFor(owner, id)}`);
    await received(live, 1);
    expect(live.received[0].type).toBe("state");
    live.ws.close(1000, "done");
  });

  it("refuses an expired ticket", async () => {
    const { tenant, owner, id } = await setup();
    const ticket = await ticketFor(owner, id);
    const stub = env.AGENTS.get(env.AGENTS.idFromName(agentObjectName(tenant, id)));
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE live_tickets SET expires_at = ?", Date.now() - 1);
    });
    const body = expectProblem(await upgrade(id, protocols(ticket)), 401, "ticket-refused");
    expect(body.detail).toMatch(/expired/);
  });

  it("refuses a token in the URL, with or without a ticket", async () => {
    const { owner, id } = await setup();
    expectInvalid(await owner.get(`/v1/agents/${id}/live?token=abc`), "query.token");
    expectInvalid(await upgrade(id, protocols(await ticketFor(owner, id)), "?access_token=abc"), "query.access_token");
  });

  it("refuses a ticket for another tenant's agent: it routes to the ticket's tenant, where that agent does not exist", async () => {
    const a = await setup();
    const b = await setup();
    const ticket = await ticketFor(a.owner, a.id);
    expectProblem(await upgrade(b.id, protocols(ticket)), 404, "not-found");
  });
});

describe("capabilities", () => {
  it("issues no ticket without agents:read:<type>, nor a call ticket without a call capability; both audited", async () => {
    const { tenant, id } = await setup();
    const nobody = await client({ tenant, subject: "nobody", caps: [] });
    expectForbidden(await nobody.post("/v1/tickets", { agent: id, scope: "read" }), "agents:read:counter");
    const reader = await client({ tenant, subject: "reader", caps: ["agents:read:counter"] });
    expectForbidden(await reader.post("/v1/tickets", { agent: id, scope: "call" }), "agents:call:counter.*");
    const count = (await runInDurableObject(env.AGENTS.get(env.AGENTS.idFromName(agentObjectName(tenant, id))), (_i, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'live_tickets'").toArray().length
        ? state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM live_tickets").one().n
        : 0,
    )) as number;
    expect(count).toBe(0);
    await expectAudited(tenant, [
      { who: "principal:nobody", what: "agents:read:counter", resource: `agent/counter/${id}` },
      { who: "principal:reader", what: "agents:call:counter.*", resource: `agent/counter/${id}` },
    ]);
  });

  it("refuses a call over a read socket, and one without the action's capability, as problems; the state does not change", async () => {
    const { tenant, owner, id } = await setup();
    const reader = await client({ tenant, subject: "reader", caps: ["agents:read:counter"] });
    const readLive = await open(id, protocols(await ticketFor(reader, id)));
    await received(readLive, 1);
    readLive.ws.send(JSON.stringify({ call: "increment", input: { by: 1 }, id: "r" }));
    await received(readLive, 2);
    expect(readLive.received[1]).toMatchObject({ type: "reply", reply: "r", problem: { status: 403, capability: "agents:call:counter.increment" } });
    // The ticket's principal carries the grant's constraints: by at most 10.
    const caller = await client({ tenant, subject: "caller", caps: ["agents:read:counter", { name: "agents:call:counter.increment", constraints: { maxBy: 10 } }] });
    const callLive = await open(id, protocols(await ticketFor(caller, id, "call")));
    await received(callLive, 1);
    callLive.ws.send(JSON.stringify({ call: "increment", input: { by: 11 }, id: "c" }));
    await received(callLive, 2);
    expect(callLive.received[1]).toMatchObject({ type: "reply", reply: "c", problem: { status: 403, capability: "agents:call:counter.increment" } });
    expect((await owner.get(`/v1/agents/${id}`)).body.state).toEqual({ value: 0 });
    await expectAudited(tenant, [
      { who: "principal:reader", what: "agents:call:counter.increment", resource: `agent/counter/${id}` },
      { who: "principal:caller", what: "agents:call:counter.increment", resource: `agent/counter/${id}` },
    ]);
    readLive.ws.close(1000, "done");
    callLive.ws.close(1000, "done");
  });

  it("closes every socket with 4404 when the agent is deleted", async () => {
    const { owner, id } = await setup();
    const live = await open(id, protocols(await ticketFor(owner, id)));
    await received(live, 1);
    expect((await owner.del(`/v1/agents/${id}`)).status).toBe(204);
    expect(await eventually("the close", async () => live.closed(), (code) => code !== null)).toBe(4404);
  });
});
