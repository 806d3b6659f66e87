// The live tail as Server-Sent Events, produced where the client is connected (the
// Worker): each pull reads the next batch of stored events after the last one sent
// (waiting in the stream object when there is none yet), so a slow client simply reads
// later from storage and nothing is buffered for it. A client going away is normal and
// reported nowhere: the tail stops at the first sign of it (the request's signal
// aborting, the stream cancelled, an enqueue refused), reads and sends nothing more, and
// ends, so the runtime is not left writing batches to a socket that is gone. A read that
// fails ends the stream with a retry hint, and the client resumes with Last-Event-ID. A
// tail may send only some events (a run's transitions out of its shard's stream) and
// end after one of them.

/** One stored event: its sequence and its CloudEvent as JSON text. */
export type TailItem = { sequence: number; event: string };
export type TailBatch = { items: TailItem[] };

const encoder = new TextEncoder();

export const sseFrame = (item: TailItem): string => `id: ${item.sequence}\nevent: cloudevent\ndata: ${item.event}\n\n`;
export const SSE_KEEPALIVE = ": keep-alive\n\n";
export const SSE_RECONNECT = ": stream unavailable; reconnect with Last-Event-ID\nretry: 1000\n\n";

/**
 * What a tail sends and when it ends: `keep` picks the items sent (the others are read
 * past); after an item `last` holds for, the stream ends; after a quiet wait, `ended()`
 * may end it too (when what it waits for is known not to come).
 */
export type SseOptions = {
  keep?: (item: TailItem) => boolean;
  last?: (item: TailItem) => boolean;
  ended?: () => Promise<boolean>;
  /** The client's request signal: once it aborts, the tail stops (nothing more is read or sent) and ends. */
  signal?: AbortSignal;
};

/** A text/event-stream body from sequence `from` on; `read(from)` answers the next batch (empty after a quiet wait). */
export const sseStream = (read: (from: number) => Promise<TailBatch>, from: number, options: SseOptions = {}): ReadableStream<Uint8Array> => {
  const { keep = () => true, last = () => false, ended, signal } = options;
  let next = from;
  /** The client is gone (or the stream ended): nothing is read or sent after this. */
  let stopped = false;
  let source: ReadableStreamDefaultController<Uint8Array> | undefined;
  /** Ends the stream once: stops, and closes it unless it is already closed or cancelled. */
  const end = (): void => {
    const wasStopped = stopped;
    stopped = true;
    signal?.removeEventListener("abort", end);
    if (wasStopped || !source) return;
    try {
      source.close();
    } catch {
      // Already closed or errored (the client cancelled it): nothing left to end.
    }
  };
  /** Sends `text`; false (and the tail stopped) when the stream no longer takes it. */
  const send = (text: string): boolean => {
    if (stopped || !source) return false;
    try {
      source.enqueue(encoder.encode(text));
      return true;
    } catch {
      end();
      return false;
    }
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        source = controller;
        if (signal?.aborted) end();
        else signal?.addEventListener("abort", end);
      },
      async pull() {
        // Batches with nothing to send are read past here, not answered with a keep-alive.
        while (!stopped) {
          let batch: TailBatch;
          let finished = false;
          try {
            batch = await read(next);
            if (!stopped && batch.items.length === 0 && ended) finished = await ended();
          } catch {
            if (!stopped) send(SSE_RECONNECT);
            return end();
          }
          // The client went away while the read waited: what it answered is dropped.
          if (stopped) return;
          if (finished) return end();
          const final = batch.items.at(-1);
          if (!final) {
            send(SSE_KEEPALIVE);
            return;
          }
          next = final.sequence + 1;
          const kept = batch.items.filter(keep);
          const stop = kept.findIndex(last);
          const sent = stop < 0 ? kept : kept.slice(0, stop + 1);
          if (sent.length > 0 && !send(sent.map(sseFrame).join(""))) return;
          if (stop >= 0) return end();
          if (sent.length > 0) return;
        }
      },
      cancel() {
        // The client went away: the read in flight (if any) is dropped when it ends.
        stopped = true;
        signal?.removeEventListener("abort", end);
      },
    },
    // Nothing is read ahead of the client: the next batch is read when it takes this one.
    { highWaterMark: 0 },
  );
};
