// Storage of one event stream: the append-only log (gap-free sequence, ids unique, each
// with its publisher), the subscriptions that apply to the stream with their delivery
// state and the gaps retention made in it, replay jobs, the stream's settings
// (retention), and the notices (events for other streams) waiting to be appended. All
// synchronous SQLite.
import type { CloudEvent } from "../../src/platform/events/cloud-event.ts";
import type { DeliveryState } from "../../src/platform/events/delivery.ts";
import type { SubscriptionRecord } from "../../src/platform/events/subscription.ts";
import { type BacklogCap, MAX_GAPS_SHOWN, type Retention } from "../../src/platform/events/retention.ts";
import type { Outbox, OutboxEvent } from "../durable/index.ts";

export type { Retention };
export type StreamSettings = { tenant: string; stream: string; retention: Retention; registered: boolean };
export type StoredEvent = { seq: number; body: string };
export type ReplayJob = { id: string; subscriptionId: string; to: number; state: DeliveryState };
/** A range retention deleted before the subscription handled it; `count`: the events in it the subscription wanted. */
export type StoredGap = { from: number; to: number; count: number; at: number };
type NoticeRow = { seq: number; stream: string; body: string };

const SETTINGS_KEY = "stream.settings";

export type StreamStore = ReturnType<typeof createStreamStore>;

export const createStreamStore = (storage: DurableObjectStorage) => {
  const { sql, kv } = storage;
  sql.exec(`CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, time INTEGER NOT NULL, body TEXT NOT NULL, publisher TEXT)`);
  // Who appended each event (the owner of its id); NULL in a log written before that was kept.
  if (!sql.exec("SELECT * FROM events LIMIT 0").columnNames.includes("publisher")) sql.exec("ALTER TABLE events ADD COLUMN publisher TEXT");
  sql.exec(`CREATE TABLE IF NOT EXISTS subscriptions (id TEXT PRIMARY KEY, record TEXT NOT NULL)`);
  sql.exec(`CREATE TABLE IF NOT EXISTS deliveries (subscription_id TEXT PRIMARY KEY, state TEXT NOT NULL)`);
  sql.exec(`CREATE TABLE IF NOT EXISTS replays (id TEXT PRIMARY KEY, subscription_id TEXT NOT NULL, to_seq INTEGER NOT NULL, state TEXT NOT NULL)`);
  sql.exec(`CREATE TABLE IF NOT EXISTS gaps (subscription_id TEXT NOT NULL, from_seq INTEGER NOT NULL, to_seq INTEGER NOT NULL, count INTEGER NOT NULL, at INTEGER NOT NULL)`);
  sql.exec(`CREATE TABLE IF NOT EXISTS notices (seq INTEGER PRIMARY KEY AUTOINCREMENT, stream TEXT NOT NULL, body TEXT NOT NULL)`);

  const scalar = <T extends number | null>(query: string, ...bindings: unknown[]): T =>
    sql.exec<{ v: T }>(query, ...bindings).one().v;

  // The object is the only writer, so these caches are the stored truth; they keep reads
  // of settings and subscriptions off the hot append path.
  let settingsCache: StreamSettings | undefined = kv.get<StreamSettings>(SETTINGS_KEY);
  let subscriptionsCache: SubscriptionRecord[] | null = null;
  // Facts of the log only this object's writes change, kept off the append path the same
  // way: read from storage once per instance (undefined: not read yet) and moved by the
  // writes that change them. A transaction that fails forgets them all (its writes were
  // rolled back; they are read again), so they are exact after a failure or a restart.
  let lastSeqCache: number | undefined;
  let oldestTimeCache: number | null | undefined;
  let hasReplaysCache: boolean | undefined;
  let noticesCache: number | undefined;
  const forget = (): void => {
    lastSeqCache = oldestTimeCache = hasReplaysCache = noticesCache = undefined;
  };

  return {
    settings: (): StreamSettings | undefined => settingsCache,
    saveSettings: (settings: StreamSettings): void => {
      kv.put(SETTINGS_KEY, settings);
      settingsCache = settings;
    },

    lastSeq: (): number => (lastSeqCache ??= scalar<number | null>("SELECT MAX(seq) AS v FROM events") ?? lastDeleted(kv)),
    firstSeq: (): number | null => scalar<number | null>("SELECT MIN(seq) AS v FROM events"),
    count: (): number => scalar<number>("SELECT COUNT(*) AS v FROM events"),
    /** When the first event still held was appended, or null when none is. */
    oldestTime: (): number | null =>
      oldestTimeCache !== undefined ? oldestTimeCache : (oldestTimeCache = sql.exec<{ time: number }>("SELECT time FROM events ORDER BY seq LIMIT 1").toArray()[0]?.time ?? null),
    /** Forgets the oldest event's time (the alarm reads it again): nothing but retention changes it, but a sweep costs one query. */
    forgetOldestTime: (): void => {
      oldestTimeCache = undefined;
    },

    /**
     * The first sequence held that was appended at or after `time` (the next one when
     * none was): a binary search over the sequence key, as appends are in time order.
     */
    firstAtOrAfter: (time: number): number => {
      const atOrAfter = (seq: number) => sql.exec<{ seq: number; time: number }>("SELECT seq, time FROM events WHERE seq >= ? ORDER BY seq LIMIT 1", seq).toArray()[0];
      let lo = scalar<number | null>("SELECT MIN(seq) AS v FROM events");
      let hi = (scalar<number | null>("SELECT MAX(seq) AS v FROM events") ?? lastDeleted(kv)) + 1;
      if (lo === null) return hi;
      while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        const row = atOrAfter(mid);
        if (!row || row.time >= time) hi = mid;
        else lo = row.seq + 1;
      }
      return lo;
    },

    /** The stored event with this id: its sequence and who appended it. */
    findById: (id: string): { seq: number; publisher: string | null } | undefined =>
      sql.exec<{ seq: number; publisher: string | null }>("SELECT seq, publisher FROM events WHERE id = ?", id).toArray()[0],

    /** Stores the event unless its id is stored already (answers false then, writing nothing): one statement for a new id, the common case. */
    insertNew: (event: CloudEvent, time: number, publisher: string): boolean => {
      const stored =
        sql
          .exec("INSERT INTO events (seq, id, time, body, publisher) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING seq", event.sequence, event.id, time, JSON.stringify(event), publisher)
          .toArray().length > 0;
      if (stored) {
        if (lastSeqCache !== undefined) lastSeqCache = Math.max(lastSeqCache, event.sequence);
        if (oldestTimeCache === null) oldestTimeCache = time;
      }
      return stored;
    },

    read: (from: number, limit: number, to = Number.MAX_SAFE_INTEGER): StoredEvent[] =>
      sql.exec<StoredEvent>("SELECT seq, body FROM events WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?", from, to, limit).toArray(),

    transaction: <T>(fn: () => T): T => {
      try {
        return storage.transactionSync(fn);
      } catch (error) {
        forget();
        throw error;
      }
    },

    subscriptions: (): SubscriptionRecord[] =>
      (subscriptionsCache ??= sql
        .exec<{ record: string }>("SELECT record FROM subscriptions ORDER BY id")
        .toArray()
        .map((row) => JSON.parse(row.record) as SubscriptionRecord)),
    putSubscription: (record: SubscriptionRecord): void => {
      sql.exec("INSERT OR REPLACE INTO subscriptions (id, record) VALUES (?, ?)", record.id, JSON.stringify(record));
      subscriptionsCache = null;
    },
    removeSubscription: (id: string): void => {
      subscriptionsCache = null;
      sql.exec("DELETE FROM subscriptions WHERE id = ?", id);
      sql.exec("DELETE FROM deliveries WHERE subscription_id = ?", id);
      sql.exec("DELETE FROM replays WHERE subscription_id = ?", id);
      hasReplaysCache = undefined;
      sql.exec("DELETE FROM gaps WHERE subscription_id = ?", id);
    },

    /** The newest gaps of a subscription, oldest first. */
    gaps: (subscriptionId: string): StoredGap[] =>
      sql
        .exec<{ from_seq: number; to_seq: number; count: number; at: number }>(
          "SELECT from_seq, to_seq, count, at FROM gaps WHERE subscription_id = ? ORDER BY from_seq DESC LIMIT ?",
          subscriptionId,
          MAX_GAPS_SHOWN,
        )
        .toArray()
        .reverse()
        .map((row) => ({ from: row.from_seq, to: row.to_seq, count: row.count, at: row.at })),
    addGap: (subscriptionId: string, gap: StoredGap): void => {
      sql.exec("INSERT INTO gaps (subscription_id, from_seq, to_seq, count, at) VALUES (?, ?, ?, ?, ?)", subscriptionId, gap.from, gap.to, gap.count, gap.at);
      sql.exec(
        "DELETE FROM gaps WHERE subscription_id = ? AND from_seq NOT IN (SELECT from_seq FROM gaps WHERE subscription_id = ? ORDER BY from_seq DESC LIMIT ?)",
        subscriptionId,
        subscriptionId,
        MAX_GAPS_SHOWN,
      );
    },

    /** Call inside the transaction that made the notice true; drained by `notices`. */
    addNotice: (stream: string, event: OutboxEvent): void => {
      sql.exec("INSERT INTO notices (stream, body) VALUES (?, ?)", stream, JSON.stringify(event));
      if (noticesCache !== undefined) noticesCache += 1;
    },
    notices: {
      peek: (limit: number): NoticeRow[] => sql.exec<NoticeRow>("SELECT seq, stream, body FROM notices ORDER BY seq LIMIT ?", limit).toArray(),
      size: (row: NoticeRow): number => row.body.length,
      streamOf: (row: NoticeRow): string => row.stream,
      toEvent: (row: NoticeRow): OutboxEvent => JSON.parse(row.body) as OutboxEvent,
      remove: (rows: readonly NoticeRow[]): void => {
        noticesCache = undefined;
        for (const row of rows) sql.exec("DELETE FROM notices WHERE seq = ?", row.seq);
      },
      pending: (): number => (noticesCache ??= scalar<number>("SELECT COUNT(*) AS v FROM notices")),
    } satisfies Outbox<NoticeRow>,

    delivery: (subscriptionId: string): DeliveryState | undefined => {
      const row = sql.exec<{ state: string }>("SELECT state FROM deliveries WHERE subscription_id = ?", subscriptionId).toArray()[0];
      return row && (JSON.parse(row.state) as DeliveryState);
    },
    putDelivery: (state: DeliveryState): void => {
      sql.exec("INSERT OR REPLACE INTO deliveries (subscription_id, state) VALUES (?, ?)", state.subscriptionId, JSON.stringify(state));
    },

    hasReplays: (): boolean => (hasReplaysCache ??= scalar<number>("SELECT COUNT(*) AS v FROM replays") > 0),
    replays: (): ReplayJob[] =>
      sql
        .exec<{ id: string; subscription_id: string; to_seq: number; state: string }>("SELECT * FROM replays ORDER BY id")
        .toArray()
        .map((row) => ({ id: row.id, subscriptionId: row.subscription_id, to: row.to_seq, state: JSON.parse(row.state) as DeliveryState })),
    putReplay: (job: ReplayJob): void => {
      sql.exec("INSERT OR REPLACE INTO replays (id, subscription_id, to_seq, state) VALUES (?, ?, ?, ?)", job.id, job.subscriptionId, job.to, JSON.stringify(job.state));
      hasReplaysCache = true;
    },
    removeReplay: (id: string): void => {
      hasReplaysCache = undefined;
      sql.exec("DELETE FROM replays WHERE id = ?", id);
    },

    /** The highest sequence the policy would delete now (0: none). */
    policyCutoff: (retention: Retention, now: number): number => {
      const last = scalar<number | null>("SELECT MAX(seq) AS v FROM events") ?? 0;
      const byCount = retention.maxCount === null ? 0 : last - retention.maxCount;
      const byAge = retention.maxAgeMs === null ? 0 : (scalar<number | null>("SELECT MAX(seq) AS v FROM events WHERE time < ?", now - retention.maxAgeMs) ?? 0);
      return Math.max(0, byCount, byAge);
    },
    /** The highest sequence past the backlog retention keeps for lagging subscriptions (0: none). */
    capCutoff: (cap: BacklogCap, now: number): number => {
      const last = scalar<number | null>("SELECT MAX(seq) AS v FROM events") ?? 0;
      const byAge = scalar<number | null>("SELECT MAX(seq) AS v FROM events WHERE time < ?", now - cap.maxAgeMs) ?? 0;
      return Math.max(0, last - cap.maxEvents, byAge);
    },
    /** Deletes the events up to `seq`; sequence numbers are never reused. */
    deleteThrough: (seq: number): number => {
      const last = scalar<number | null>("SELECT MAX(seq) AS v FROM events");
      if (last !== null) kv.put("stream.lastSeq", last);
      oldestTimeCache = undefined;
      return sql.exec("DELETE FROM events WHERE seq <= ?", seq).rowsWritten;
    },
  };
};

/** The last sequence once every event has been deleted by retention, so numbering continues. */
const lastDeleted = (kv: SyncKvStorage): number => kv.get<number>("stream.lastSeq") ?? 0;
