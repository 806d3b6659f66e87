// EventStream: one Durable Object per (tenant, stream). An append-only SQLite log with
// a gap-free sequence; an append is answered only once it is durable, and an event id
// already in the log is stored once (the append answers its original sequence).
import { DurableObject } from "cloudflare:workers";
import { type CloudEvent, eventInputSchema } from "../src/platform/events/cloud-event.ts";
import { idSchema } from "../src/platform/ids.ts";
import { asResult, type Result } from "../src/platform/result.ts";
import { parseOrProblem } from "../src/platform/zod-issues.ts";
import { z } from "zod";
import { streamNameSchema } from "../src/platform/events/cloud-event.ts";

const addressSchema = z.strictObject({ tenant: idSchema, stream: streamNameSchema });
const appendSchema = z.array(eventInputSchema.extend({ id: z.string().min(1).max(128), time: z.string() })).min(1).max(1000);
const readSchema = z.strictObject({ from: z.number().int().min(1).default(1), limit: z.number().int().min(1).max(1000).default(100) });

export type StreamAddress = z.input<typeof addressSchema>;
export type Appended = { id: string; sequence: number; duplicate: boolean };
export type StreamPage = { items: CloudEvent[]; next: number | null };

export interface EventStreamRpc {
  append(at: unknown, events: unknown): Promise<Result<Appended[]>>;
  read(at: unknown, query: unknown): Promise<Result<StreamPage>>;
}

type Row = { seq: number; body: string };

export class EventStream extends DurableObject implements EventStreamRpc {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, body TEXT NOT NULL)`);
  }

  append(at: unknown, events: unknown): Promise<Result<Appended[]>> {
    return asResult(() => {
      const address = parseOrProblem(addressSchema, at, "address");
      const inputs = parseOrProblem(appendSchema, events, "events");
      return this.ctx.storage.transactionSync(() => {
        let last = this.#sql.exec<{ last: number | null }>("SELECT MAX(seq) AS last FROM events").one().last ?? 0;
        return inputs.map((input): Appended => {
          const existing = this.#sql.exec<{ seq: number }>("SELECT seq FROM events WHERE id = ?", input.id).toArray()[0];
          if (existing) return { id: input.id, sequence: existing.seq, duplicate: true };
          last += 1;
          const { stream: _stream, ...envelope } = input;
          const event: CloudEvent = { ...envelope, tenant: address.tenant, stream: address.stream, sequence: last };
          this.#sql.exec("INSERT INTO events (seq, id, body) VALUES (?, ?, ?)", last, input.id, JSON.stringify(event));
          return { id: input.id, sequence: last, duplicate: false };
        });
      });
    });
  }

  read(at: unknown, query: unknown): Promise<Result<StreamPage>> {
    return asResult(() => {
      parseOrProblem(addressSchema, at, "address");
      const { from, limit } = parseOrProblem(readSchema, query, "query");
      const rows = this.#sql.exec<Row>("SELECT seq, body FROM events WHERE seq >= ? ORDER BY seq LIMIT ?", from, limit + 1).toArray();
      const items = rows.slice(0, limit).map((row) => JSON.parse(row.body) as CloudEvent);
      return { items, next: rows.length > limit ? (rows[limit]?.seq ?? null) : null };
    });
  }
}
