// The one transactional-outbox drain of the platform. An object (an agent, a run's
// coordinator) commits events in the same transaction as the state change that caused
// them; the drain appends them afterwards, in order and grouped by stream, and removes
// them only once the stream acknowledged them. A crash in between appends them again
// with the same ids, which the stream stores once: at-least-once delivery,
// exactly-once storage. `createSqlOutbox` is the table for objects without a store of
// their own.
import { OUTBOX_BATCH, OUTBOX_MAX_BATCHES, withinBatchSize } from "../../src/platform/events/outbox-batch.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import { appendToStream } from "./append.ts";

/** An event as the outbox hands it to its stream (CloudEvents attributes, JSON data). */
export type OutboxEvent = { id: string; source: string; type: string; subject?: string; time: string; data: unknown };

/** What the drain needs of an outbox, whatever its rows look like. */
export type Outbox<Row> = {
  /** The oldest pending rows, at most `limit`. */
  peek(limit: number): readonly Row[];
  /** The row's size in characters, to keep a batch far below the RPC limit. */
  size(row: Row): number;
  streamOf(row: Row): string;
  toEvent(row: Row): OutboxEvent;
  /** Called once the stream acknowledged these rows. */
  remove(rows: readonly Row[]): void;
  pending(): number;
};

export type DrainTarget = { streams: Env["STREAMS"]; tenant: string; telemetry: Telemetry; labels?: Record<string, string> };

const byStream = <Row>(rows: readonly Row[], streamOf: (row: Row) => string): Map<string, Row[]> => {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const stream = streamOf(row);
    const group = groups.get(stream);
    if (group) group.push(row);
    else groups.set(stream, [row]);
  }
  return groups;
};

/** Appends pending events to their streams; answers whether the outbox is now empty. */
export const drainOutbox = async <Row>(outbox: Outbox<Row>, target: DrainTarget): Promise<boolean> => {
  const { streams, tenant, telemetry } = target;
  for (let batch = 0; batch < OUTBOX_MAX_BATCHES; batch++) {
    const rows = withinBatchSize(outbox.peek(OUTBOX_BATCH), (row) => outbox.size(row));
    if (rows.length === 0) return true;
    for (const [stream, group] of byStream(rows, (row) => outbox.streamOf(row))) {
      await appendToStream(streams, { tenant, stream }, group.map((row) => outbox.toEvent(row)), telemetry);
      outbox.remove(group);
      telemetry.emit("outbox.drained", { count: group.length }, { ...target.labels, tenant, stream });
    }
  }
  return outbox.pending() === 0;
};

type SqlRow = { seq: number; body: string };

/**
 * An outbox table in the object's own SQLite, all of whose events go to one stream.
 * `lean`: for an object whose events carry fresh ids (random UUIDs), each added once in
 * the transaction of its change, and drained one pass at a time: a new table then has
 * no unique index on the id (the stream stores an id once anyway) and no AUTOINCREMENT
 * (a drain removes only rows it peeked, so a reused seq is never removed unsent), two
 * fewer B-trees written with every change; and the rows are mirrored in memory (see
 * `mirrored`), so a drain reads no SQL. A table created before keeps its shape.
 * `empty`: the caller knows the table holds no row (it is created in this transaction).
 */
export const createSqlOutbox = (sql: SqlStorage, stream: string, options: { lean?: boolean; empty?: boolean } = {}): SqlOutbox => {
  sql.exec(
    options.lean
      ? "CREATE TABLE IF NOT EXISTS event_outbox (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, body TEXT NOT NULL)"
      : "CREATE TABLE IF NOT EXISTS event_outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, body TEXT NOT NULL)",
  );
  if (options.lean) return mirrored(sql, stream, options.empty === true);
  const outbox = {
    /** Call inside the transaction that commits the change these events describe. */
    add(events: readonly OutboxEvent[]): void {
      for (const event of events) sql.exec("INSERT OR IGNORE INTO event_outbox (id, body) VALUES (?, ?)", event.id, JSON.stringify(event));
    },
    peek: (limit: number): SqlRow[] => sql.exec<SqlRow>("SELECT seq, body FROM event_outbox ORDER BY seq LIMIT ?", limit).toArray(),
    size: (row: SqlRow): number => row.body.length,
    streamOf: (): string => stream,
    toEvent: (row: SqlRow): OutboxEvent => JSON.parse(row.body) as OutboxEvent,
    remove(rows: readonly SqlRow[]): void {
      const last = rows.at(-1);
      if (last) sql.exec("DELETE FROM event_outbox WHERE seq <= ?", last.seq);
    },
    pending: (): number => sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM event_outbox").one().n,
    forgetMirror: (): void => undefined,
  };
  return outbox;
};

type MirroredRow = SqlRow & { event?: OutboxEvent };

/**
 * The lean table's rows, also held in memory in seq order (its own seqs, given by the
 * object): an object that drains after each change read back, per pass, the rows it had
 * just written. The copy is read from the table the first time it is needed (after a
 * restart: the rows a crash left unsent), and forgotten with `forgetMirror` when a
 * transaction that added rows rolls back (the next use reads the table again).
 */
const mirrored = (sql: SqlStorage, stream: string, empty: boolean): SqlOutbox => {
  let rows: MirroredRow[] | null = empty ? [] : null;
  let nextSeq = 1;
  const current = (): MirroredRow[] => {
    if (rows === null) {
      rows = sql.exec<SqlRow>("SELECT seq, body FROM event_outbox ORDER BY seq").toArray();
      nextSeq = Math.max(nextSeq, (rows.at(-1)?.seq ?? 0) + 1);
    }
    return rows;
  };
  return {
    add(events: readonly OutboxEvent[]): void {
      const list = current();
      for (const event of events) {
        const seq = nextSeq;
        const body = JSON.stringify(event);
        sql.exec("INSERT INTO event_outbox (seq, id, body) VALUES (?, ?, ?)", seq, event.id, body);
        nextSeq = seq + 1;
        list.push({ seq, body, event });
      }
    },
    peek: (limit: number): SqlRow[] => current().slice(0, limit),
    size: (row: SqlRow): number => row.body.length,
    streamOf: (): string => stream,
    toEvent: (row: MirroredRow): OutboxEvent => row.event ?? (JSON.parse(row.body) as OutboxEvent),
    remove(removed: readonly SqlRow[]): void {
      const last = removed.at(-1);
      if (!last) return;
      sql.exec("DELETE FROM event_outbox WHERE seq <= ?", last.seq);
      if (rows !== null) rows = rows.filter((row) => row.seq > last.seq);
    },
    pending: (): number => current().length,
    forgetMirror(): void {
      rows = null;
    },
  };
};

/** `forgetMirror`: after a rolled-back transaction added rows, the next use reads the table (a no-op without a mirror). */
export type SqlOutbox = Outbox<SqlRow> & { add(events: readonly OutboxEvent[]): void; forgetMirror(): void };
