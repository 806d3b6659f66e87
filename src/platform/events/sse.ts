// The live tail as Server-Sent Events, produced where the client is connected (the
// Worker): each pull reads the next batch of stored events after the last one sent
// (waiting in the stream object when there is none yet), so a slow client simply reads
// later from storage and nothing is buffered for it. A client going away cancels the
// stream, which is normal and reported nowhere; a read that fails ends the stream with
// a retry hint, and the client resumes with Last-Event-ID.

/** One stored event: its sequence and its CloudEvent as JSON text. */
export type TailItem = { sequence: number; event: string };
export type TailBatch = { items: TailItem[] };

const encoder = new TextEncoder();

export const sseFrame = (item: TailItem): string => `id: ${item.sequence}\nevent: cloudevent\ndata: ${item.event}\n\n`;
export const SSE_KEEPALIVE = ": keep-alive\n\n";
export const SSE_RECONNECT = ": stream unavailable; reconnect with Last-Event-ID\nretry: 1000\n\n";

/** A text/event-stream body from sequence `from` on; `read(from)` answers the next batch (empty after a quiet wait). */
export const sseStream = (read: (from: number) => Promise<TailBatch>, from: number): ReadableStream<Uint8Array> => {
  let next = from;
  let cancelled = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let batch: TailBatch;
        try {
          batch = await read(next);
        } catch {
          if (cancelled) return;
          controller.enqueue(encoder.encode(SSE_RECONNECT));
          controller.close();
          return;
        }
        if (cancelled) return;
        const last = batch.items.at(-1);
        if (!last) {
          controller.enqueue(encoder.encode(SSE_KEEPALIVE));
          return;
        }
        controller.enqueue(encoder.encode(batch.items.map(sseFrame).join("")));
        next = last.sequence + 1;
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
