// Storage of one workflow run: the definition it runs, the caller it acts for, the
// fingerprint of the request that started it (to tell a replay from a reused key), the
// run header and one row per step (so large step outputs never make one row too big),
// and the transition events, all written in one transaction per transition.
import type { Caller } from "../../src/platform/security/caller.ts";
import type { WorkflowDefinition } from "../../src/platform/workflow/definition.ts";
import type { RunState, StepRecord } from "../../src/platform/workflow/run-state.ts";
import { createSqlOutbox, type OutboxEvent } from "../durable/index.ts";

type Header = Omit<RunState, "steps"> & { indexedStatus: string | null };
/** A header written before `compensable` was named so (it was `completed`). */
type LegacyHeader = Omit<Header, "compensable"> & { compensable?: string[]; completed?: string[] };
/** `fingerprint`: of the request that started the run under an Idempotency-Key (null without a key, or for runs stored before it was kept). */
export type StoredRun = { definition: WorkflowDefinition; caller: Caller; state: RunState; indexedStatus: string | null; fingerprint: string | null };

export const createRunStore = (storage: DurableObjectStorage) => {
  const { sql } = storage;
  sql.exec("CREATE TABLE IF NOT EXISTS run (k INTEGER PRIMARY KEY CHECK (k = 1), definition TEXT NOT NULL, caller TEXT NOT NULL, header TEXT NOT NULL)");
  sql.exec("CREATE TABLE IF NOT EXISTS steps (name TEXT PRIMARY KEY, record TEXT NOT NULL)");
  // Its own table, so runs stored before it existed load unchanged (with no fingerprint).
  sql.exec("CREATE TABLE IF NOT EXISTS start_request (k INTEGER PRIMARY KEY CHECK (k = 1), fingerprint TEXT NOT NULL)");
  const outbox = createSqlOutbox(sql, "workflow");

  const writeHeader = (state: RunState, indexedStatus: string | null): void => {
    const { steps: _steps, ...header } = state;
    sql.exec("UPDATE run SET header = ? WHERE k = 1", JSON.stringify({ ...header, indexedStatus }));
  };

  return {
    outbox,

    load(): StoredRun | undefined {
      const row = sql.exec<{ definition: string; caller: string; header: string }>("SELECT * FROM run WHERE k = 1").toArray()[0];
      if (!row) return undefined;
      const { indexedStatus, completed, compensable, ...rest } = JSON.parse(row.header) as LegacyHeader;
      const header = { ...rest, compensable: compensable ?? completed ?? [] };
      const steps = Object.fromEntries(
        sql.exec<{ name: string; record: string }>("SELECT * FROM steps").toArray().map((r) => [r.name, JSON.parse(r.record) as StepRecord]),
      );
      const fingerprint = sql.exec<{ fingerprint: string }>("SELECT fingerprint FROM start_request WHERE k = 1").toArray()[0]?.fingerprint ?? null;
      return { definition: JSON.parse(row.definition), caller: JSON.parse(row.caller), state: { ...header, steps }, indexedStatus, fingerprint };
    },

    create(run: StoredRun, events: readonly OutboxEvent[]): void {
      storage.transactionSync(() => {
        sql.exec("INSERT INTO run (k, definition, caller, header) VALUES (1, ?, ?, '{}')", JSON.stringify(run.definition), JSON.stringify(run.caller));
        writeHeader(run.state, run.indexedStatus);
        if (run.fingerprint !== null) sql.exec("INSERT INTO start_request (k, fingerprint) VALUES (1, ?)", run.fingerprint);
        for (const record of Object.values(run.state.steps)) sql.exec("INSERT INTO steps (name, record) VALUES (?, ?)", record.name, JSON.stringify(record));
        outbox.add(events);
      });
    },

    /** Writes the header, the step records that changed (new objects), and the events. */
    save(state: RunState, previous: RunState, indexedStatus: string | null, events: readonly OutboxEvent[]): void {
      storage.transactionSync(() => {
        writeHeader(state, indexedStatus);
        for (const record of Object.values(state.steps)) {
          if (previous.steps[record.name] !== record) sql.exec("INSERT OR REPLACE INTO steps (name, record) VALUES (?, ?)", record.name, JSON.stringify(record));
        }
        outbox.add(events);
      });
    },

    setIndexed(state: RunState, indexedStatus: string): void {
      writeHeader(state, indexedStatus);
    },
  };
};

export type RunStore = ReturnType<typeof createRunStore>;
