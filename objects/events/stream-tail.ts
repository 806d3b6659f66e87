// Live tail of a stream over WebSockets (hibernatable), with backpressure, so a slow
// reader never makes the object buffer without bound: credit-based, the server sends at
// most WINDOW events beyond the last `{"ack": <sequence>}` the client sent; when the
// client acks, the server reads on from storage. Sockets tagged with a subscription are
// that subscription's live target. (Server-Sent Events are produced by the Worker, which
// reads batches with the stream's `follow` call: src/platform/events/sse.ts.)
import type { CloudEvent } from "../../src/platform/events/cloud-event.ts";
import type { StreamStore } from "./stream-store.ts";

export const WINDOW = 256;

export type TailAttachment = { sent: number; acked: number; subscription: string | null };

const attachmentOf = (ws: WebSocket): TailAttachment => ws.deserializeAttachment() as TailAttachment;

/** Sends stored events after what the socket has seen, within its credit window. */
export const pumpSocket = (ws: WebSocket, store: StreamStore): void => {
  const state = attachmentOf(ws);
  if (state.subscription !== null) return;
  const room = WINDOW - (state.sent - state.acked);
  if (room <= 0) return;
  const rows = store.read(state.sent + 1, room);
  for (const row of rows) ws.send(row.body);
  const last = rows.at(-1);
  if (last) ws.serializeAttachment({ ...state, sent: last.seq });
};

export const acceptTailSocket = (ctx: DurableObjectState, store: StreamStore, from: number, subscription: string | null): Response => {
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  ctx.acceptWebSocket(server, subscription === null ? ["tail"] : ["tail", `sub:${subscription}`]);
  const start = Math.max(0, from - 1);
  server.serializeAttachment({ sent: start, acked: start, subscription } satisfies TailAttachment);
  pumpSocket(server, store);
  return new Response(null, { status: 101, webSocket: client });
};

/** A client message: `{"ack": n}` grants credit up to n. Anything else closes the socket. */
export const onTailMessage = (ws: WebSocket, message: string | ArrayBuffer, store: StreamStore): void => {
  let ack: unknown;
  try {
    ack = typeof message === "string" ? (JSON.parse(message) as { ack?: unknown }).ack : undefined;
  } catch {
    ack = undefined;
  }
  if (typeof ack !== "number" || !Number.isInteger(ack)) {
    ws.close(1003, 'send {"ack": <sequence>}');
    return;
  }
  const state = attachmentOf(ws);
  ws.serializeAttachment({ ...state, acked: Math.min(Math.max(state.acked, ack), state.sent) });
  pumpSocket(ws, store);
};

/** Pushes an event to the live sockets of a subscription; false when none is attached. */
export const pushToSubscription = (ctx: DurableObjectState, subscription: string, event: CloudEvent): boolean => {
  const sockets = ctx.getWebSockets(`sub:${subscription}`);
  for (const ws of sockets) ws.send(JSON.stringify(event));
  return sockets.length > 0;
};
