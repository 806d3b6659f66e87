// Live sockets hibernate (README "Live state"): an agent watched only by idle sockets is
// evicted from memory, its sockets stay open, and the next change wakes a new instance
// that still patches every socket and answers calls on it. workerd evicts a Durable
// Object 10 s after its last request ended, hibernating its accepted WebSockets first
// (ActorContainer::handleShutdown in src/workerd/server/server.c++, v1.20260426.1: a
// constant, with no setting to shorten it); the test pool leaves our objects evictable
// (only its own runner object sets preventEviction). So the test waits that long without
// sending the agent anything: any request to it, even a look at its instance, starts the
// 10 s again. (`evictDurableObject`, in vitest-pool-workers 0.16.20 and later, would
// replace the wait; this project has 0.15.1.)
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { agentObjectName } from "../../src/platform/agent/naming.ts";
import { newId } from "./http.ts";
import { type Live, open, protocols, received, ticketFor } from "./live-sockets.ts";
import { admin, expectOk } from "./security.ts";
import { newTenant } from "./tokens.ts";

/** workerd's idle time before eviction, and a margin for a busy machine to run the eviction. */
const EVICTION_MS = 10_000;
const MARGIN_MS = 1_500;
/** Idle periods tried before giving up: each failed try restarted the 10 s with its own requests. */
const TRIES = 3;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const LIST = Array.from({ length: 20 }, (_, i) => i);

describe("live sockets and hibernation", () => {
  it("evicts an agent watched by idle sockets; the sockets stay open and a new instance patches them and answers their calls", { timeout: TRIES * (EVICTION_MS + MARGIN_MS) + 20_000 }, async () => {
    const tenant = newTenant("hib");
    const owner = await admin(tenant);
    const id = newId("s");
    // A long list: a change patches to far less than the whole state.
    expect((await owner.post("/v1/agents", { type: "sink", id, state: { received: LIST } })).status).toBe(201);
    const stub = env.AGENTS.get(env.AGENTS.idFromName(agentObjectName(tenant, id)));
    const caller = await open(id, protocols(await ticketFor(owner, id, "call")));
    const reader = await open(id, protocols(await ticketFor(owner, id, "read")));
    const sockets: Live[] = [caller, reader];
    for (const live of sockets) await received(live, 1);
    const first = await runInDurableObject(stub, (instance) => instance);

    let woken: { instance: unknown; sockets: number } | null = null;
    let version = 0;
    for (let attempt = 0; attempt < TRIES && woken === null; attempt++) {
      await pause(EVICTION_MS + MARGIN_MS);
      // The first request after the idle period: an action over HTTP, not over the sockets.
      version += 1;
      expectOk(await owner.post(`/v1/agents/${id}/actions/take`, { n: 100 + version }));
      for (const live of sockets) {
        await received(live, 1 + version);
        // A patch, not the whole state: the instance that committed it tracked the state since the last version.
        expect(live.received[version]).toEqual({ type: "patch", from: version - 1, version, patch: [{ op: "add", path: "/received/-", value: 100 + version }] });
      }
      const now = await runInDurableObject(stub, (instance, state) => ({ instance, sockets: state.getWebSockets("live").length }));
      if (now.instance !== first) woken = now;
    }
    expect(woken, `the agent's instance was still the first one after ${TRIES} idle periods of ${EVICTION_MS + MARGIN_MS} ms`).not.toBeNull();
    // The new instance holds both sockets (restored from hibernation, with their attachments) ...
    expect(woken!.sockets).toBe(2);
    // ... and serves a call on the call socket: its principal is read from SQLite, not memory.
    caller.ws.send(JSON.stringify({ call: "take", input: { n: 999 }, id: "after" }));
    const reply = await received(caller, version + 3).then(() => caller.received.find((message) => message.type === "reply"));
    expect(reply).toMatchObject({ reply: "after", output: { received: expect.arrayContaining([999]) } });
    await received(reader, version + 2);
    expect(reader.received.at(-1)).toEqual({ type: "patch", from: version, version: version + 1, patch: [{ op: "add", path: "/received/-", value: 999 }] });
    // No socket closed on the way: no close event, and both still open.
    for (const live of sockets) {
      expect(live.closed()).toBeNull();
      expect(live.ws.readyState).toBe(WebSocket.OPEN);
    }
    for (const live of sockets) live.ws.close(1000, "done");
  });
});
