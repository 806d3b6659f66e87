// The storage of one group controller: its definition and the caller it acts for (kv),
// its members, the idempotency keys bound to them, and its scaling history (SQLite).
// Load figures are not stored: they are polled afresh on every evaluation.
import type { Caller } from "../../src/platform/security/caller.ts";
import { GROUP_LIMITS } from "../../src/platform/groups/limits.ts";
import type { MemberRow } from "../../src/platform/groups/membership.ts";
import type { GroupConfig, ScalingEvent } from "../../src/platform/groups/schemas.ts";

export type { MemberRow };
export type Scaling = { aboveSince: number | null; belowSince: number | null; lastScaleAt: number | null; nextSeq: number };
export type GroupRecord = { tenant: string; config: GroupConfig; caller: Caller; deleting: boolean };

const INITIAL_SCALING: Scaling = { aboveSince: null, belowSince: null, lastScaleAt: null, nextSeq: 0 };

export type GroupStore = ReturnType<typeof createGroupStore>;

export const createGroupStore = (storage: DurableObjectStorage) => {
  const { sql, kv } = storage;
  sql.exec(`CREATE TABLE IF NOT EXISTS members (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, state TEXT NOT NULL, joined_at INTEGER NOT NULL, draining_since INTEGER);
    CREATE TABLE IF NOT EXISTS keys (key TEXT PRIMARY KEY, member TEXT NOT NULL, expires_at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS keys_expiry ON keys (expires_at);
    CREATE TABLE IF NOT EXISTS history (n INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, from_n INTEGER NOT NULL, to_n INTEGER NOT NULL, reason TEXT NOT NULL, figure REAL)`);
  return {
    record: (): GroupRecord | undefined => kv.get<GroupRecord>("group"),
    saveRecord: (record: GroupRecord): void => kv.put("group", record),
    scaling: (): Scaling => kv.get<Scaling>("scaling") ?? INITIAL_SCALING,
    saveScaling: (scaling: Scaling): void => kv.put("scaling", scaling),
    members: (): MemberRow[] => sql.exec<MemberRow>("SELECT * FROM members ORDER BY seq").toArray(),
    putMember: (row: MemberRow): void => {
      sql.exec("INSERT OR REPLACE INTO members (id, seq, state, joined_at, draining_since) VALUES (?, ?, ?, ?, ?)", row.id, row.seq, row.state, row.joined_at, row.draining_since);
    },
    boundMember: (key: string, now: number): string | null =>
      sql.exec<{ member: string }>("SELECT member FROM keys WHERE key = ? AND expires_at > ?", key, now).toArray()[0]?.member ?? null,
    bind: (key: string, member: string, expiresAt: number): void => {
      sql.exec("INSERT OR REPLACE INTO keys (key, member, expires_at) VALUES (?, ?, ?)", key, member, expiresAt);
    },
    pruneKeys: (now: number): void => {
      sql.exec("DELETE FROM keys WHERE expires_at <= ?", now);
    },
    addHistory: (at: number, from: number, to: number, reason: string, figure: number | null): void => {
      sql.exec("INSERT INTO history (at, from_n, to_n, reason, figure) VALUES (?, ?, ?, ?, ?)", at, from, to, reason, figure);
      sql.exec("DELETE FROM history WHERE n <= (SELECT MAX(n) FROM history) - ?", GROUP_LIMITS.historyEntries);
    },
    history: (): ScalingEvent[] =>
      sql
        .exec<{ at: number; from_n: number; to_n: number; reason: string; figure: number | null }>("SELECT * FROM history ORDER BY n")
        .toArray()
        .map((r) => ({ at: new Date(r.at).toISOString(), from: r.from_n, to: r.to_n, reason: r.reason, figure: r.figure })),
    deleteAll: (): Promise<void> => storage.deleteAll(),
  };
};
