// A transactional outbox for objects other than agents (the coordinator): events are
// written in the same transaction as the state change that caused them and appended
// to their stream afterwards, deleted only once acknowledged. Redelivered events keep
// their ids, which the stream stores once.
import type { Telemetry } from "../src/platform/telemetry/emitter.ts";
import { OUTBOX_BATCH, OUTBOX_MAX_BATCHES, withinBatchSize } from "../src/platform/events/outbox-batch.ts";
import { appendToStream } from "./stream-append.ts";

export type OutboxEvent = { id: string; source: string; type: string; subject?: string; time: string; data: unknown };

export const createEventOutbox = (sql: SqlStorage, stream: string) => {
  sql.exec("CREATE TABLE IF NOT EXISTS event_outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, body TEXT NOT NULL)");
  return {
    /** Call inside the transaction that commits the change these events describe. */
    add(events: readonly OutboxEvent[]): void {
      for (const event of events) sql.exec("INSERT OR IGNORE INTO event_outbox (id, body) VALUES (?, ?)", event.id, JSON.stringify(event));
    },
    pending(): number {
      return sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM event_outbox").one().n;
    },
    /** Appends pending events in order; answers whether the outbox is empty afterwards. */
    async drain(streams: DurableObjectNamespace, tenant: string, telemetry: Telemetry): Promise<boolean> {
      for (let batch = 0; batch < OUTBOX_MAX_BATCHES; batch++) {
        const rows = withinBatchSize(
          sql.exec<{ seq: number; body: string }>("SELECT seq, body FROM event_outbox ORDER BY seq LIMIT ?", OUTBOX_BATCH).toArray(),
          (row) => row.body.length,
        );
        if (rows.length === 0) return true;
        const events = rows.map((row) => JSON.parse(row.body) as OutboxEvent);
        await appendToStream(streams, { tenant, stream }, events, telemetry);
        sql.exec("DELETE FROM event_outbox WHERE seq <= ?", rows.at(-1)!.seq);
      }
      return this.pending() === 0;
    },
  };
};

export type EventOutbox = ReturnType<typeof createEventOutbox>;
