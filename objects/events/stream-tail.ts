// Live tail of a stream, with backpressure, so a slow reader never makes the object
// buffer without bound:
// - WebSocket (hibernatable): credit-based. The server sends at most WINDOW events
//   beyond the last `{"ack": <sequence>}` the client sent; when the client acks, the
//   server reads on from storage. Sockets tagged with a subscription are that
//   subscription's live target.
// - Server-Sent Events: events are written while the stream's queue has room; a reader
//   that falls behind is disconnected with a `retry` hint and resumes with
//   Last-Event-ID, reading from storage rather than from memory.
import type { CloudEvent } from "../../src/platform/events/cloud-event.ts";
import type { StreamStore } from "./stream-store.ts";

export const WINDOW = 256;
const SSE_QUEUE = 256;

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

type SseClient = { writer: WritableStreamDefaultWriter<Uint8Array>; sent: number; catchingUp: boolean };

const encoder = new TextEncoder();
const frame = (seq: number, body: string): Uint8Array => encoder.encode(`id: ${seq}\nevent: cloudevent\ndata: ${body}\n\n`);

/** The Server-Sent Events side of the tail: in-memory clients, fed from storage. */
export const createSseTail = (store: StreamStore) => {
  const clients = new Set<SseClient>();

  const drop = (client: SseClient, why: string): void => {
    clients.delete(client);
    void client.writer.write(encoder.encode(`: ${why}\nretry: 1000\n\n`)).catch(() => undefined);
    void client.writer.close().catch(() => undefined);
  };

  /** Writes stored events after `client.sent` while the queue has room. */
  const catchUp = async (client: SseClient): Promise<void> => {
    client.catchingUp = true;
    try {
      for (;;) {
        await client.writer.ready;
        const rows = store.read(client.sent + 1, 100);
        if (rows.length === 0) break;
        for (const row of rows) {
          void client.writer.write(frame(row.seq, row.body)).catch(() => clients.delete(client));
          client.sent = row.seq;
        }
      }
    } catch {
      clients.delete(client);
    } finally {
      client.catchingUp = false;
    }
  };

  return {
    open(from: number): Response {
      const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>(undefined, undefined, { highWaterMark: SSE_QUEUE });
      const client: SseClient = { writer: writable.getWriter(), sent: Math.max(0, from - 1), catchingUp: false };
      clients.add(client);
      void client.writer.closed.catch(() => clients.delete(client));
      void catchUp(client);
      return new Response(readable, {
        headers: { "content-type": "text/event-stream", "cache-control": "no-store", "x-accel-buffering": "no" },
      });
    },
    /** Called after an append: live clients get the new events or are dropped if too slow. */
    publish(): void {
      for (const client of clients) {
        if (client.catchingUp) continue;
        if ((client.writer.desiredSize ?? 0) <= 0) {
          drop(client, "reader too slow; reconnect with Last-Event-ID");
          continue;
        }
        void catchUp(client);
      }
    },
  };
};
