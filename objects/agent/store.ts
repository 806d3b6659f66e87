// Storage of one agent object: its meta record and state (one SQLite table: the state
// split over rows 0.., the meta in a reserved row), the
// outbox, and idempotency records. Every method is synchronous, and `commit` writes
// state, events, meta and the idempotency record in ONE transaction, so a crash leaves
// either the old agent or the new one. The outbox's row count is remembered while known
// exactly, so draining an agent does not read its empty outbox again.
import type { AgentMeta } from "../../src/platform/agent/agent-meta.ts";
import type { IdempotencyRecord, KeyOrigin } from "../../src/platform/agent/idempotency.ts";
import type { PendingEvent } from "../../src/platform/agent/pending-event.ts";
import { LIMITS } from "../../src/platform/agent/limits.ts";

// Reserved rows of agent_state (state chunks are numbered from 0). Meta and state in one
// table: a new agent creates one table, not also the runtime's key-value table (the meta
// used to be a key-value entry; under a burst of spawns every table costs CPU and memory).
const META_ROW = -1;
/** Where earlier versions kept the meta (key-value storage): still read when its row is missing. */
export const LEGACY_META_KEY = "agent.meta";

// Each table is created by the first write that needs it: a spawned agent that never
// emits an event or records a call holds one table, not three (under a burst of spawns,
// fewer statements per spawn and less SQLite memory per live object).
const TABLES = {
  agent_state: [`CREATE TABLE IF NOT EXISTS agent_state (chunk INTEGER PRIMARY KEY, data TEXT NOT NULL)`],
  outbox: [
    `CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
     type TEXT NOT NULL, subject TEXT, data TEXT NOT NULL, time INTEGER NOT NULL)`,
  ],
  idempotency: [
    `CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, response TEXT NOT NULL,
     created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, origin TEXT NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS idempotency_expiry ON idempotency (expires_at)`,
  ],
} as const;
type Table = keyof typeof TABLES;
/** The runtime's key-value table: present only in an object an earlier version wrote. */
const LEGACY_KV_TABLE = "_cf_KV";

export type Commit = {
  meta: AgentMeta;
  /** JSON of the new state; omitted when the state did not change. */
  stateJson?: string;
  events?: readonly PendingEvent[];
  idempotency?: readonly IdempotencyRecord[];
};

type IdempotencyRow = {
  key: string;
  fingerprint: string;
  response: string;
  created_at: number;
  expires_at: number;
  origin: string;
};
type OutboxRow = { id: string; type: string; subject: string | null; data: string; time: number };

export type AgentStore = ReturnType<typeof createAgentStore>;

export const createAgentStore = (storage: DurableObjectStorage) => {
  const { sql, kv } = storage;
  /** The tables that exist, looked up once (null: not yet, or unknown after a rollback). */
  let tables: Set<string> | null = null;
  /**
   * The outbox's row count when this instance knows it exactly (null: not known): learnt
   * from a read that saw every row, kept by the drain's deletions, forgotten by a commit
   * with events. The object is the only writer, so a known count is the stored one; it
   * spares the drain's last look at an empty outbox, and a view's count.
   */
  let outboxRows: number | null = null;

  const exists = (table: Table | typeof LEGACY_KV_TABLE): boolean => {
    tables ??= new Set(
      sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('agent_state', 'outbox', 'idempotency', ?)", LEGACY_KV_TABLE)
        .toArray()
        .map((row) => row.name),
    );
    return tables.has(table);
  };

  const readRow = (row: number): string | undefined =>
    exists("agent_state") ? sql.exec<{ data: string }>("SELECT data FROM agent_state WHERE chunk = ?", row).toArray()[0]?.data : undefined;

  const writeRow = (row: number, data: string): void => {
    sql.exec("INSERT INTO agent_state (chunk, data) VALUES (?, ?) ON CONFLICT (chunk) DO UPDATE SET data = excluded.data", row, data);
  };

  /** A reserved row, else (an object written by an earlier version) its key-value entry. */
  const readRecord = <T>(row: number, legacyKey: string): T | undefined => {
    const data = readRow(row);
    if (data !== undefined) return JSON.parse(data) as T;
    return exists(LEGACY_KV_TABLE) ? kv.get<T>(legacyKey) : undefined;
  };

  /** Creates `table` if it is missing; inside the write's transaction, so a rollback takes it back. */
  const ensure = (table: Table): void => {
    if (exists(table)) return;
    for (const statement of TABLES[table]) sql.exec(statement);
    tables?.add(table);
  };

  const writeState = (json: string, previousChunks: number): number => {
    const size = LIMITS.stateChunkChars;
    const chunks = Math.max(1, Math.ceil(json.length / size));
    for (let i = 0; i < chunks; i++) {
      // An upsert updates the row in place; REPLACE would delete and re-insert it.
      sql.exec("INSERT INTO agent_state (chunk, data) VALUES (?, ?) ON CONFLICT (chunk) DO UPDATE SET data = excluded.data", i, json.slice(i * size, (i + 1) * size));
    }
    if (previousChunks > chunks) sql.exec("DELETE FROM agent_state WHERE chunk >= ?", chunks);
    return chunks;
  };

  const commitChange = (change: Commit): AgentMeta =>
    storage.transactionSync(() => {
      const meta = { ...change.meta };
      ensure("agent_state");
      if (change.stateJson !== undefined) {
        meta.stateChunks = writeState(change.stateJson, change.meta.stateChunks);
      }
      if (change.events?.length) ensure("outbox");
      for (const event of change.events ?? []) {
        sql.exec(
          "INSERT OR IGNORE INTO outbox (id, type, subject, data, time) VALUES (?, ?, ?, ?, ?)",
          event.id, event.type, event.subject, event.data, event.time,
        );
      }
      if (change.idempotency?.length) ensure("idempotency");
      for (const record of change.idempotency ?? []) {
        sql.exec(
          `INSERT INTO idempotency (key, fingerprint, response, created_at, expires_at, origin) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, response = excluded.response,
             created_at = excluded.created_at, expires_at = excluded.expires_at, origin = excluded.origin`,
          record.key, record.fingerprint, record.response, record.createdAt, record.expiresAt, record.origin,
        );
      }
      writeRow(META_ROW, JSON.stringify(meta));
      return meta;
    });

  return {
    sql,

    readMeta: (): AgentMeta | undefined => readRecord<AgentMeta>(META_ROW, LEGACY_META_KEY),

    readStateJson: (): string =>
      !exists("agent_state") ? "null" : sql
        .exec<{ data: string }>("SELECT data FROM agent_state WHERE chunk >= 0 ORDER BY chunk")
        .toArray()
        .map((row) => row.data)
        .join(""),

    commit: (change: Commit): AgentMeta => {
      if (change.events?.length) outboxRows = null;
      try {
        return commitChange(change);
      } catch (error) {
        // A failed transaction also rolled back any CREATE TABLE it ran.
        tables = null;
        throw error;
      }
    },

    findIdempotency: (key: string, now: number): IdempotencyRecord | undefined => {
      if (!exists("idempotency")) return undefined;
      const row = sql
        .exec<IdempotencyRow>("SELECT * FROM idempotency WHERE key = ? AND expires_at > ?", key, now)
        .toArray()[0];
      return row && toRecord(row);
    },

    /** Client-keyed records, newest first, for checkpoints. */
    listClientIdempotency: (now: number, limit: number): IdempotencyRecord[] =>
      !exists("idempotency") ? [] : sql
        .exec<IdempotencyRow>(
          "SELECT * FROM idempotency WHERE origin = 'client' AND expires_at > ? ORDER BY created_at DESC LIMIT ?",
          now, limit,
        )
        .toArray()
        .map(toRecord),

    pruneIdempotency: (now: number): { deleted: number; nextExpiry: number | null } => {
      if (!exists("idempotency")) return { deleted: 0, nextExpiry: null };
      const deleted = sql.exec("DELETE FROM idempotency WHERE expires_at <= ?", now).rowsWritten;
      const next = sql.exec<{ next: number | null }>("SELECT MIN(expires_at) AS next FROM idempotency").one().next;
      return { deleted, nextExpiry: next };
    },

    nextIdempotencyExpiry: (): number | null =>
      !exists("idempotency") ? null : sql.exec<{ next: number | null }>("SELECT MIN(expires_at) AS next FROM idempotency").one().next,

    outboxPending: (): number => {
      if (outboxRows !== null) return outboxRows;
      if (!exists("outbox")) return 0;
      outboxRows = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n;
      return outboxRows;
    },

    listOutbox: (limit = Number.MAX_SAFE_INTEGER): PendingEvent[] => {
      if (outboxRows === 0 || !exists("outbox")) return [];
      const rows = sql.exec<OutboxRow>("SELECT id, type, subject, data, time FROM outbox ORDER BY seq LIMIT ?", limit).toArray();
      if (rows.length < limit) outboxRows = rows.length;
      return rows.map((row) => ({ ...row }));
    },

    /** Removes events the bus has acknowledged (rows `listOutbox` answered: only this drain deletes them). */
    deleteOutbox: (ids: readonly string[]): void => {
      if (!exists("outbox")) return;
      const known = outboxRows;
      outboxRows = null;
      let deleted = 0;
      storage.transactionSync(() => {
        for (const id of ids) deleted += sql.exec("DELETE FROM outbox WHERE id = ?", id).rowsWritten > 0 ? 1 : 0;
      });
      if (known !== null) outboxRows = known - deleted;
    },

    deleteAll: async (): Promise<void> => {
      outboxRows = null;
      await storage.deleteAlarm();
      await storage.deleteAll();
      tables = null;
      outboxRows = null;
    },
  };
};

const toRecord = (row: IdempotencyRow): IdempotencyRecord => ({
  key: row.key,
  fingerprint: row.fingerprint,
  response: row.response,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  origin: row.origin as KeyOrigin,
});
