// The live tail as Server-Sent Events, produced where the client is connected (the
// Worker): each pull reads the next batch of stored events after the last one sent
// (waiting in the stream object when there is none yet), so a slow client simply reads
// later from storage and nothing is buffered for it. A client going away cancels the
// stream, which is normal and reported nowhere; a read that fails ends the stream with
// a retry hint, and the client resumes with Last-Event-ID. A tail may send only some
// events (a run's transitions out of its shard's stream) and end after one of them.

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
};

/** A text/event-stream body from sequence `from` on; `read(from)` answers the next batch (empty after a quiet wait). */
export const sseStream = (read: (from: number) => Promise<TailBatch>, from: number, options: SseOptions = {}): ReadableStream<Uint8Array> => {
  const { keep = () => true, last = () => false, ended } = options;
  let next = from;
  let cancelled = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // Batches with nothing to send are read past here, not answered with a keep-alive.
        for (;;) {
          let batch: TailBatch;
          let end = false;
          try {
            batch = await read(next);
            if (batch.items.length === 0 && ended) end = await ended();
          } catch {
            if (cancelled) return;
            controller.enqueue(encoder.encode(SSE_RECONNECT));
            controller.close();
            return;
          }
          if (cancelled) return;
          if (end) return controller.close();
          const final = batch.items.at(-1);
          if (!final) {
            controller.enqueue(encoder.encode(SSE_KEEPALIVE));
            return;
          }
          next = final.sequence + 1;
          const kept = batch.items.filter(keep);
          const stop = kept.findIndex(last);
          const sent = stop < 0 ? kept : kept.slice(0, stop + 1);
          if (sent.length > 0) controller.enqueue(encoder.encode(sent.map(sseFrame).join("")));
          if (stop >= 0) return controller.close();
          if (sent.length > 0) return;
        }
      },
      cancel() {
        // The client went away: the read in flight (if any) is dropped when it ends.
        cancelled = true;
      },
    },
    // Nothing is read ahead of the client: the next batch is read when it takes this one.
    { highWaterMark: 0 },
  );
};
