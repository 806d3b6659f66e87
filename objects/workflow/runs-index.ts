// The runs index, as one object keeps it: a row per run (its summary, workflow, status,
// start and finish times), listed by workflow and status, newest first (by start time,
// then id), paged by the position of the last run shown (run-cursor.ts). Bounded: a
// finished run's entry is kept for its retention after it ended and at most `max`
// finished entries are kept (the oldest finished go first), pruned when a run finishes
// (past the most kept at once; past their retention once the oldest has expired, which
// the object knows without a query) and on the alarm; a running run's entry is never
// pruned. Recording a run's start or its finish is one statement in the common case.
// Used by the runs-index shards (runs-index-shard.ts) and by the tenant's
// WorkflowRegistry, which held the whole index before the shards existed and still
// lists (and finishes) those runs.
import { z } from "zod";
import type { Page } from "../../src/platform/pagination.ts";
import { decodeRunCursor, encodeRunCursor } from "../../src/platform/workflow/run-cursor.ts";
import type { RunSummary } from "../../src/platform/workflow/run-view.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import { FINAL_STATUSES, isFinal, type RunStatus } from "../../src/platform/workflow/run-state.ts";
import { createAlarmMemo } from "../durable/index.ts";

/** An index's bounds, read per call (deployment variables may change without a restart). */
export type IndexBounds = { retentionMs: number; max: number };

const startTime = (summary: RunSummary): number => Date.parse(summary.createdAt) || 0;
/** When an entry's run finished (its last update), or null while it runs. */
const finishTime = (summary: RunSummary): number | null => (isFinal(summary.status as RunStatus) ? Date.parse(summary.updatedAt) || 0 : null);
/** Epoch milliseconds of an ISO time in a summary's JSON, in SQL (0 when it is not a time), so a migration reads no row into the Worker. */
const sqlEpochMs = (field: string): string =>
  `COALESCE(CAST(ROUND((julianday(json_extract(summary, '$.${field}')) - 2440587.5) * 86400000.0) AS INTEGER), 0)`;
const FINAL_SQL = `(${FINAL_STATUSES.map((status) => `'${status}'`).join(", ")})`;

export const runQuerySchema = z.strictObject({
  workflow: z.string().max(64).optional(),
  status: z.string().max(32).optional(),
  limit: z.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(512).optional(),
});
export type RunQuery = z.input<typeof runQuerySchema>;

export const createRunsIndex = (storage: DurableObjectStorage, bounds: () => IndexBounds) => {
  const sql = storage.sql;
  /** How many entries are of finished runs; counted once, then kept as entries come and go (this object is the only writer). */
  let finishedCount: number | null = null;
  /** When the oldest finished entry finished (null: none), kept the same way; never later than the truth. undefined: not known. */
  let oldestFinished: number | null | undefined;
  /** The prune alarm as this object armed it. */
  const alarm = createAlarmMemo(storage);

  /** An index written before a column existed lacks it: add it, filled from each summary by SQL. */
  const addColumn = (name: string, type: string, value: string, where: string): void => {
    if (sql.exec("SELECT * FROM runs LIMIT 0").columnNames.includes(name)) return;
    storage.transactionSync(() => {
      sql.exec(`ALTER TABLE runs ADD COLUMN ${name} ${type}`);
      sql.exec(`UPDATE runs SET ${name} = ${value} ${where}`);
    });
  };

  sql.exec("CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, workflow TEXT NOT NULL, status TEXT NOT NULL, summary TEXT NOT NULL, created_at INTEGER NOT NULL DEFAULT 0, finished_at INTEGER)");
  addColumn("created_at", "INTEGER NOT NULL DEFAULT 0", sqlEpochMs("createdAt"), "");
  addColumn("finished_at", "INTEGER", sqlEpochMs("updatedAt"), `WHERE status IN ${FINAL_SQL}`);
  sql.exec("CREATE INDEX IF NOT EXISTS runs_by_workflow ON runs (workflow, status)");
  sql.exec("CREATE INDEX IF NOT EXISTS runs_newest ON runs (created_at, id)");
  sql.exec("CREATE INDEX IF NOT EXISTS runs_finished ON runs (finished_at, id) WHERE finished_at IS NOT NULL");

  const finished = (): number => (finishedCount ??= sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM runs WHERE finished_at IS NOT NULL").one().n);

  /** When the oldest finished entry finished (null: none): read once, then kept (see oldestFinished). */
  const oldest = (): number | null =>
    oldestFinished !== undefined ? oldestFinished : (oldestFinished = sql.exec<{ at: number | null }>("SELECT MIN(finished_at) AS at FROM runs WHERE finished_at IS NOT NULL").one().at);

  /** Deletes finished entries past their retention, then the oldest finished beyond the most kept. Call inside a transaction. */
  const prune = (now: number): void => {
    const { retentionMs, max } = bounds();
    const first = oldest();
    if (first !== null && first <= now - retentionMs) {
      const expired = sql.exec("DELETE FROM runs WHERE finished_at IS NOT NULL AND finished_at <= ? RETURNING id", now - retentionMs).toArray().length;
      if (finishedCount !== null) finishedCount -= expired;
      oldestFinished = undefined;
    }
    const excess = finished() - max;
    if (excess > 0) {
      const dropped = sql.exec("DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE finished_at IS NOT NULL ORDER BY finished_at, id LIMIT ?) RETURNING id", excess).toArray().length;
      finishedCount = finished() - dropped;
      oldestFinished = undefined;
    }
  };

  /** The alarm comes back when the oldest finished entry expires. */
  const armPrune = async (): Promise<void> => {
    const first = oldest();
    if (first !== null) await alarm.arm([first + bounds().retentionMs]);
  };

  /** Runs `fn` in a transaction; the kept facts are dropped if it fails (the rows are as they were). */
  const write = <T>(fn: () => T): T => {
    try {
      return storage.transactionSync(fn);
    } catch (error) {
      finishedCount = null;
      oldestFinished = undefined;
      throw error;
    }
  };

  /**
   * The common cases in one statement: a new run's start, and a run's finish when its
   * entry is new or running (either way one more finished entry). False: neither applied.
   */
  const recordCommon = (summary: RunSummary, finishedAt: number | null, values: readonly unknown[]): boolean => {
    if (finishedAt === null) {
      return sql.exec("INSERT INTO runs (id, workflow, status, summary, created_at, finished_at) VALUES (?, ?, ?, ?, ?, NULL) ON CONFLICT (id) DO NOTHING RETURNING id", summary.id, ...values).toArray().length > 0;
    }
    const stored =
      sql
        .exec(
          "INSERT INTO runs (id, workflow, status, summary, created_at, finished_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET workflow = excluded.workflow, status = excluded.status, summary = excluded.summary, created_at = excluded.created_at, finished_at = excluded.finished_at WHERE runs.finished_at IS NULL RETURNING id",
          summary.id,
          ...values,
          finishedAt,
        )
        .toArray().length > 0;
    if (stored) {
      if (finishedCount !== null) finishedCount += 1;
      if (oldestFinished !== undefined) oldestFinished = oldestFinished === null ? finishedAt : Math.min(oldestFinished, finishedAt);
    }
    return stored;
  };

  return {
    async record(summary: RunSummary): Promise<void> {
      const finishedAt = finishTime(summary);
      const values = [summary.workflow, summary.status, JSON.stringify(summary), startTime(summary)] as const;
      write(() => {
        if (!recordCommon(summary, finishedAt, values)) {
          // Any other case (a start recorded again, a finished run recorded again): what was there decides the count.
          const before = sql.exec<{ finished_at: number | null }>("SELECT finished_at FROM runs WHERE id = ?", summary.id).toArray()[0];
          const count = finished();
          sql.exec("INSERT OR REPLACE INTO runs (id, workflow, status, summary, created_at, finished_at) VALUES (?, ?, ?, ?, ?, ?)", summary.id, ...values, finishedAt);
          finishedCount = count + (finishedAt !== null ? 1 : 0) - (before && before.finished_at !== null ? 1 : 0);
          oldestFinished = undefined;
        }
        if (finishedAt !== null) prune(Date.now());
      });
      if (finishedAt !== null) await armPrune();
    },

    async alarm(): Promise<void> {
      // The runtime clears (or, on a failure, retries) the alarm that runs now: read it again from storage.
      alarm.unknown();
      try {
        write(() => prune(Date.now()));
        await armPrune();
      } finally {
        alarm.unknown();
      }
    },

    page(raw: RunQuery): Page<RunSummary> {
      const query = parseOrProblem(runQuerySchema, raw, "query");
      const filters: string[] = [];
      const bindings: unknown[] = [];
      if (query.workflow) filters.push("workflow = ?") && bindings.push(query.workflow);
      if (query.status) filters.push("status = ?") && bindings.push(query.status);
      // An expired entry the alarm has not pruned yet is not listed: its run is (about to be) gone.
      filters.push("(finished_at IS NULL OR finished_at > ?)") && bindings.push(Date.now() - bounds().retentionMs);
      if (query.cursor !== undefined) {
        const after = decodeRunCursor(query.cursor);
        filters.push("(created_at < ? OR (created_at = ? AND id < ?))") && bindings.push(after.createdAt, after.createdAt, after.id);
      }
      const rows = sql
        .exec<{ summary: string; created_at: number; id: string }>(
          `SELECT summary, created_at, id FROM runs ${filters.length ? `WHERE ${filters.join(" AND ")}` : ""} ORDER BY created_at DESC, id DESC LIMIT ?`,
          ...bindings,
          query.limit + 1,
        )
        .toArray();
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map((row) => JSON.parse(row.summary) as RunSummary),
        next: rows.length > query.limit && last ? encodeRunCursor({ createdAt: last.created_at, id: last.id }) : null,
      };
    },
  };
};

export type RunsIndex = ReturnType<typeof createRunsIndex>;
