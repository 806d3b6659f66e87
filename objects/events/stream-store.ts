// Storage of one event stream: the append-only log (gap-free sequence, ids unique, each
// with its publisher), the subscriptions that apply to the stream with their delivery
// state, replay jobs, and the stream's settings (retention). All synchronous SQLite.
import type { CloudEvent } from "../../src/platform/events/cloud-event.ts";
import type { DeliveryState } from "../../src/platform/events/delivery.ts";
import type { SubscriptionRecord } from "../../src/platform/events/subscription.ts";

import type { Retention } from "../../src/platform/events/retention.ts";

export type { Retention };
export type StreamSettings = { tenant: string; stream: string; retention: Retention; registered: boolean };
export type StoredEvent = { seq: number; body: string };
export type ReplayJob = { id: string; subscriptionId: string; to: number; state: DeliveryState };

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

  const scalar = <T extends number | null>(query: string, ...bindings: unknown[]): T =>
    sql.exec<{ v: T }>(query, ...bindings).one().v;

  // The object is the only writer, so these caches are the stored truth; they keep reads
  // of settings and subscriptions off the hot append path.
  let settingsCache: StreamSettings | undefined = kv.get<StreamSettings>(SETTINGS_KEY);
  let subscriptionsCache: SubscriptionRecord[] | null = null;

  return {
    settings: (): StreamSettings | undefined => settingsCache,
    saveSettings: (settings: StreamSettings): void => {
      kv.put(SETTINGS_KEY, settings);
      settingsCache = settings;
    },

    lastSeq: (): number => scalar<number | null>("SELECT MAX(seq) AS v FROM events") ?? lastDeleted(kv),
    firstSeq: (): number | null => scalar<number | null>("SELECT MIN(seq) AS v FROM events"),
    count: (): number => scalar<number>("SELECT COUNT(*) AS v FROM events"),
    /** When the first event still held was appended, or null when none is. */
    oldestTime: (): number | null => sql.exec<{ time: number }>("SELECT time FROM events ORDER BY seq LIMIT 1").toArray()[0]?.time ?? null,

    /** The stored event with this id: its sequence and who appended it. */
    findById: (id: string): { seq: number; publisher: string | null } | undefined =>
      sql.exec<{ seq: number; publisher: string | null }>("SELECT seq, publisher FROM events WHERE id = ?", id).toArray()[0],

    insert: (event: CloudEvent, time: number, publisher: string): void => {
      sql.exec("INSERT INTO events (seq, id, time, body, publisher) VALUES (?, ?, ?, ?, ?)", event.sequence, event.id, time, JSON.stringify(event), publisher);
    },

    read: (from: number, limit: number, to = Number.MAX_SAFE_INTEGER): StoredEvent[] =>
      sql.exec<StoredEvent>("SELECT seq, body FROM events WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?", from, to, limit).toArray(),

    transaction: <T>(fn: () => T): T => storage.transactionSync(fn),

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
    },

    delivery: (subscriptionId: string): DeliveryState | undefined => {
      const row = sql.exec<{ state: string }>("SELECT state FROM deliveries WHERE subscription_id = ?", subscriptionId).toArray()[0];
      return row && (JSON.parse(row.state) as DeliveryState);
    },
    putDelivery: (state: DeliveryState): void => {
      sql.exec("INSERT OR REPLACE INTO deliveries (subscription_id, state) VALUES (?, ?)", state.subscriptionId, JSON.stringify(state));
    },

    hasReplays: (): boolean => scalar<number>("SELECT COUNT(*) AS v FROM replays") > 0,
    replays: (): ReplayJob[] =>
      sql
        .exec<{ id: string; subscription_id: string; to_seq: number; state: string }>("SELECT * FROM replays ORDER BY id")
        .toArray()
        .map((row) => ({ id: row.id, subscriptionId: row.subscription_id, to: row.to_seq, state: JSON.parse(row.state) as DeliveryState })),
    putReplay: (job: ReplayJob): void => {
      sql.exec("INSERT OR REPLACE INTO replays (id, subscription_id, to_seq, state) VALUES (?, ?, ?, ?)", job.id, job.subscriptionId, job.to, JSON.stringify(job.state));
    },
    removeReplay: (id: string): void => {
      sql.exec("DELETE FROM replays WHERE id = ?", id);
    },

    /**
     * Deletes events beyond the retention limits; sequence numbers are never reused. By
     * age, the events before the first one young enough to keep go (appends are in time
     * order), so the work is the expired events', not a scan of the whole log.
     */
    applyRetention: (retention: Retention, now: number): number => {
      let deleted = 0;
      const last = scalar<number | null>("SELECT MAX(seq) AS v FROM events");
      if (last !== null) kv.put("stream.lastSeq", last);
      if (retention.maxAgeMs !== null && last !== null) {
        const keep = sql.exec<{ seq: number }>("SELECT seq FROM events WHERE time >= ? ORDER BY seq LIMIT 1", now - retention.maxAgeMs).toArray()[0]?.seq ?? last + 1;
        deleted += sql.exec("DELETE FROM events WHERE seq < ?", keep).rowsWritten;
      }
      if (retention.maxCount !== null && last !== null) deleted += sql.exec("DELETE FROM events WHERE seq <= ?", last - retention.maxCount).rowsWritten;
      return deleted;
    },
  };
};

/** The last sequence once every event has been deleted by retention, so numbering continues. */
const lastDeleted = (kv: SyncKvStorage): number => kv.get<number>("stream.lastSeq") ?? 0;
