// The Server-Sent Events tail of one stream as routes answer it: where a client starts
// (Last-Event-ID resumes after the last event it received), the reads it is built from
// (`follow` batches that wait in the stream for appends) and the response. Shared by
// the stream tail and a run's live transitions, so both read and resume alike.
import type { Context } from "hono";
import { type SseOptions, sseStream } from "../platform/events/sse.ts";
import type { Telemetry } from "../platform/telemetry/emitter.ts";
import type { AppEnv } from "../env.ts";
import { onStream } from "./event-access.ts";

/** Events per SSE read, and how long one read waits in the stream for an append (then a keep-alive is sent). */
const SSE_BATCH = 100;
const SSE_WAIT_MS = 25_000;

/** The sequence after the client's Last-Event-ID, or null when it sent none (or not a sequence). */
export const resumeFrom = (c: Context<AppEnv>): number | null => {
  const lastEventId = Number(c.req.header("last-event-id"));
  return Number.isInteger(lastEventId) && lastEventId > 0 ? lastEventId + 1 : null;
};

/** A text/event-stream response tailing `stream` from `from`. */
export const sseTail = (c: Context<AppEnv>, telemetry: Telemetry, stream: string, from: number, options: SseOptions = {}): Response => {
  const read = (next: number) => onStream(c, stream, telemetry, "follow", (rpc, at) => rpc.follow(at, { from: next, limit: SSE_BATCH, waitMs: SSE_WAIT_MS }));
  // The request's signal aborts when the client hangs up (compatibility flag enable_request_signal): the tail stops then.
  return new Response(sseStream(read, from, { ...options, signal: c.req.raw.signal }), {
    headers: { "content-type": "text/event-stream", "cache-control": "no-store", "x-accel-buffering": "no" },
  });
};
