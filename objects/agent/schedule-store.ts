// The agent's schedules table (SQLite, in the agent object): made by the first schedule,
// read by the alarm (the earliest due time) and by lists. Synchronous, so a write made
// right after the action's commit, with no await between, lands in the same implicit
// transaction of the object's storage.
import type { LastFiring, MissedPolicy, Schedule } from "../../src/platform/schedules/schedule.ts";

type Row = {
  id: string;
  action: string;
  input: string;
  cron: string | null;
  timezone: string | null;
  missed: string;
  next_at: number | null;
  created_at: number;
  firings: number;
  skipped: number;
  last: string | null;
  request_key: string | null;
};

const fromRow = (row: Row): Schedule => ({
  id: row.id,
  action: row.action,
  input: row.input,
  cron: row.cron,
  timezone: row.timezone,
  missed: row.missed as MissedPolicy,
  nextAt: row.next_at,
  createdAt: row.created_at,
  firings: row.firings,
  skipped: row.skipped,
  last: row.last === null ? null : (JSON.parse(row.last) as LastFiring),
});

export type ScheduleStore = ReturnType<typeof scheduleStore>;

export const scheduleStore = (sql: SqlStorage) => {
  const exists = (): boolean => sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schedules'").one().n > 0;
  const ensure = (): void => {
    sql.exec(`CREATE TABLE IF NOT EXISTS schedules (id TEXT PRIMARY KEY, action TEXT NOT NULL, input TEXT NOT NULL, cron TEXT,
      timezone TEXT, missed TEXT NOT NULL, next_at INTEGER, created_at INTEGER NOT NULL, firings INTEGER NOT NULL DEFAULT 0,
      skipped INTEGER NOT NULL DEFAULT 0, last TEXT, request_key TEXT)`);
    sql.exec("CREATE INDEX IF NOT EXISTS schedules_due ON schedules (next_at)");
  };
  return {
    get: (id: string): (Schedule & { requestKey: string | null }) | undefined => {
      if (!exists()) return undefined;
      const row = sql.exec<Row>("SELECT * FROM schedules WHERE id = ?", id).toArray()[0];
      return row && { ...fromRow(row), requestKey: row.request_key };
    },
    /** Schedules that can still fire. */
    active: (): number => (exists() ? sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM schedules WHERE next_at IS NOT NULL").one().n : 0),
    insert: (s: Schedule, requestKey: string | null): void => {
      ensure();
      sql.exec(
        "INSERT INTO schedules (id, action, input, cron, timezone, missed, next_at, created_at, request_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        s.id, s.action, s.input, s.cron, s.timezone, s.missed, s.nextAt, s.createdAt, requestKey,
      );
    },
    remove: (id: string): boolean => exists() && sql.exec("DELETE FROM schedules WHERE id = ?", id).rowsWritten > 0,
    /** One page in id order, after `after`; one row more than `limit` says a next page exists. */
    page: (after: string | undefined, limit: number): Schedule[] =>
      !exists() ? [] : sql.exec<Row>("SELECT * FROM schedules WHERE id > ? ORDER BY id LIMIT ?", after ?? "", limit + 1).toArray().map(fromRow),
    all: (limit: number): Schedule[] => (!exists() ? [] : sql.exec<Row>("SELECT * FROM schedules ORDER BY id LIMIT ?", limit).toArray().map(fromRow)),
    nextDue: (): number | null => (!exists() ? null : sql.exec<{ next: number | null }>("SELECT MIN(next_at) AS next FROM schedules").one().next),
    due: (now: number, limit: number): Schedule[] =>
      !exists() ? [] : sql.exec<Row>("SELECT * FROM schedules WHERE next_at <= ? ORDER BY next_at LIMIT ?", now, limit).toArray().map(fromRow),
    /** Records a firing (or a skip) and moves the schedule to its next due time. */
    settle: (id: string, change: { nextAt: number | null; fired: boolean; last: LastFiring | null }): void => {
      sql.exec(
        "UPDATE schedules SET next_at = ?, firings = firings + ?, skipped = skipped + ?, last = COALESCE(?, last) WHERE id = ?",
        change.nextAt, change.fired ? 1 : 0, change.fired ? 0 : 1, change.last === null ? null : JSON.stringify(change.last), id,
      );
    },
    /** Finished one-shots older than `before` go (they stay listed a day after their firing). */
    pruneDone: (before: number): void => {
      if (exists()) sql.exec("DELETE FROM schedules WHERE next_at IS NULL AND COALESCE(json_extract(last, '$.ranAt'), created_at) < ?", before);
    },
  };
};
