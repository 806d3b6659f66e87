// Live sockets for the integration tests (live.test.ts, live-hibernation.test.ts): open
// `/v1/agents/:id/live` through the Worker, keep every message and the close code, and
// ask for a ticket as an agent's owner.
import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import { eventually } from "./eventually.ts";
import { type RecordedSocket, recordSocket } from "./recorded-socket.ts";
import { type Client, expectOk, type HeaderMap } from "./security.ts";

export type Live = RecordedSocket & { protocol: string | null };

/** Opens `/v1/agents/:id/live` with `headers` (a ticket as subprotocol, or Authorization); expects 101. */
export const open = async (id: string, headers: HeaderMap, query = ""): Promise<Live> => {
  const response = await SELF.fetch(`http://localhost/v1/agents/${id}/live${query}`, { headers: { upgrade: "websocket", ...headers } });
  expect(response.status, await (response.status === 101 ? "" : response.text())).toBe(101);
  return { ...recordSocket(response), protocol: response.headers.get("sec-websocket-protocol") };
};

export const ticketFor = async (holder: Client, agent: string, scope: "read" | "call" = "read"): Promise<string> =>
  expectOk(await holder.post("/v1/tickets", { agent, scope })).ticket;

export const protocols = (ticket: string): HeaderMap => ({ "sec-websocket-protocol": `jido.live.v1, jido.ticket.${ticket}` });

/** Waits until `live` has received at least `count` messages. */
export const received = (live: Live, count: number) => eventually(`${count} messages`, async () => live.received.length, (n) => n >= count);
