// Storage of one workflow run: the definition it runs, the caller it acts for, the
// fingerprint of the request that started it (to tell a replay from a reused key), the
// run header with its rarely changing parts beside it, one row per step that has left
// its blank start (src/platform/workflow/run-steps.ts) and one per buffered participant
// event (so large step outputs and signals never make one row too big: SQLite rows hold
// at most 2 MB), and the transition events, all written in one transaction per transition. Tables are
// created by the writes of a run, so asking for a run that does not exist (or no longer
// does) leaves no storage behind; `forget` deletes everything once the run's retention ends.
import type { Caller } from "../../src/platform/security/caller.ts";
import type { TraceCarrier } from "../../src/platform/telemetry/trace-context.ts";
import type { WorkflowDefinition } from "../../src/platform/workflow/definition.ts";
import { definitionJson } from "../../src/platform/workflow/parsed-definitions.ts";
import type { RunState, StepRecord } from "../../src/platform/workflow/run-state.ts";
import { isBlankStep, withBlankSteps } from "../../src/platform/workflow/run-steps.ts";
import { createSqlOutbox, type OutboxEvent, type SqlOutbox } from "../durable/index.ts";

type InboxEntry = RunState["inbox"][number];
/** `indexShard`: the runs-index shard the run is indexed in, once it is (runs indexed before it was kept here have an index_shard row instead). */
type Header = Omit<RunState, "steps" | "inbox"> & { indexedStatus: string | null; indexShard?: number };
/** A header written before `compensable` was named so (it was `completed`), or while the inbox lived in it. */
type LegacyHeader = Omit<Header, "compensable"> & { compensable?: string[]; completed?: string[]; inbox?: InboxEntry[] };
/** Where the run's index entry is: runs-index shard k, or the tenant's registry (a run indexed before the shards existed). */
export type IndexHome = number | "registry";
/**
 * `fingerprint`: of the request that started the run under an Idempotency-Key (null without a key, or for runs stored before it was kept).
 * `indexedIn`: where its index entry is, once it has one (absent before).
 * `trace`: the span that started the run, which its steps continue, alarms included (absent when it started untraced).
 */
export type StoredRun = { definition: WorkflowDefinition; caller: Caller; state: RunState; indexedStatus: string | null; fingerprint: string | null; indexedIn?: IndexHome; trace?: TraceCarrier };

// Each table is created by the first write that needs it (a run started without an
// Idempotency-Key, untraced, with no buffered event holds no table for those): a run is
// a new object, and every CREATE TABLE of its start was a visible share of its CPU.
const TABLES = {
  // `parts`: the header's parts that rarely change (input, bindings, roles with their
  // spares: most of its size), as one JSON object written with the run and again only
  // when one of them changes, not with every transition's header. A run table created
  // before has no such column: its parts are in run_parts rows (or inline in its header).
  run: "CREATE TABLE IF NOT EXISTS run (k INTEGER PRIMARY KEY CHECK (k = 1), definition TEXT NOT NULL, caller TEXT NOT NULL, header TEXT NOT NULL, parts TEXT)",
  steps: "CREATE TABLE IF NOT EXISTS steps (name TEXT PRIMARY KEY, record TEXT NOT NULL)",
  // Its own table, so runs stored before it existed load unchanged (with no fingerprint).
  start_request: "CREATE TABLE IF NOT EXISTS start_request (k INTEGER PRIMARY KEY CHECK (k = 1), fingerprint TEXT NOT NULL)",
  // Buffered participant events, in arrival order (the first buffered claims an await).
  inbox: "CREATE TABLE IF NOT EXISTS inbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL)",
  // The runs-index shard of a run indexed before the header kept it (indexShard); read, no longer written.
  index_shard: "CREATE TABLE IF NOT EXISTS index_shard (k INTEGER PRIMARY KEY CHECK (k = 1), shard INTEGER NOT NULL)",
  // The trace the run started in (W3C); its own table, as start_request.
  run_trace: "CREATE TABLE IF NOT EXISTS run_trace (k INTEGER PRIMARY KEY CHECK (k = 1), traceparent TEXT NOT NULL, tracestate TEXT)",
  // The parts of a run whose run table has no parts column (stored before it had one),
  // each written when it changes. A header stored before them keeps them inline and loads
  // unchanged (its own wins).
  run_parts: "CREATE TABLE IF NOT EXISTS run_parts (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
} as const;
type Table = keyof typeof TABLES;
const PARTS = ["input", "bindings", "roles"] as const;
type Part = (typeof PARTS)[number];

export const createRunStore = (storage: DurableObjectStorage) => {
  const { sql } = storage;
  /** The tables that exist, looked up once (null: not yet, or unknown after a rollback). */
  let tables: Set<string> | null = null;
  const exists = (table: Table | "event_outbox"): boolean => {
    tables ??= new Set(sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").toArray().map((row) => row.name));
    return tables.has(table);
  };
  /** Creates `table` if it is missing; inside the write's transaction, so a rollback takes it back. */
  const ensure = (table: Table): void => {
    if (exists(table)) return;
    sql.exec(TABLES[table]);
    tables?.add(table);
  };
  const hasRun = (): boolean => exists("run");
  let outbox: SqlOutbox | null = null;
  /** The outbox (its table created if it is not there yet). */
  const ready = (): SqlOutbox => {
    // Transition events carry fresh UUIDs and a run drains one pass at a time (publish-passes.ts).
    // A run being created has no outbox table yet (nothing to read back into its memory copy).
    outbox ??= createSqlOutbox(sql, "workflow", { lean: true, empty: !exists("event_outbox") });
    return outbox;
  };
  /** The part objects as last written (a state that still holds the same object needs no write). */
  let written: Partial<Record<Part, unknown>> = {};
  /** Whether the run table has the parts column (a run created by this code), else the parts go to run_parts. */
  let partsInRow = true;
  /** One transaction; when it fails, what was cached of the tables is forgotten with what it rolled back. */
  const transaction = <T>(fn: () => T): T => {
    try {
      return storage.transactionSync(fn);
    } catch (error) {
      tables = null;
      // A drain under way holds this outbox: it reads the table again, without the rolled-back rows.
      outbox?.forgetMirror();
      outbox = null;
      written = {};
      throw error;
    }
  };
  if (hasRun()) ready();
  /** The row of each buffered event held in memory, so a transition deletes exactly the ones it consumed. */
  const inboxRows = new WeakMap<InboxEntry, number>();

  /** The runs-index shard written in the header (kept for the header's next writes). */
  let indexShard: number | undefined;

  /** The header's text: the state without its steps, inbox and parts. */
  const headerText = (state: RunState, indexedStatus: string | null): string => {
    const { steps: _steps, inbox: _inbox, input: _input, bindings: _bindings, roles: _roles, ...header } = state;
    return JSON.stringify({ ...header, indexedStatus, ...(indexShard === undefined ? {} : { indexShard }) });
  };

  const changedParts = (state: RunState): Part[] => PARTS.filter((part) => state[part] !== undefined && written[part] !== state[part]);

  /** The parts column's text: every part the state holds. */
  const partsText = (state: RunState): string => {
    const parts: Partial<Record<Part, unknown>> = {};
    for (const part of PARTS) if (state[part] !== undefined) parts[part] = state[part];
    return JSON.stringify(parts);
  };

  const noteWritten = (state: RunState): void => {
    for (const part of PARTS) if (state[part] !== undefined) written[part] = state[part];
  };

  /** The parts that changed (another object than the one last written), in run_parts rows (a run table without the parts column). */
  const writePartRows = (state: RunState): void => {
    for (const part of changedParts(state)) {
      ensure("run_parts");
      sql.exec("INSERT INTO run_parts (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", part, JSON.stringify(state[part]));
      written[part] = state[part];
    }
  };

  /** One statement, with the parts column when a part changed: atomic without a transaction of its own. */
  const writeHeader = (state: RunState, indexedStatus: string | null): void => {
    if (!partsInRow) {
      writePartRows(state);
      sql.exec("UPDATE run SET header = ? WHERE k = 1", headerText(state, indexedStatus));
    } else if (changedParts(state).length > 0) {
      sql.exec("UPDATE run SET header = ?, parts = ? WHERE k = 1", headerText(state, indexedStatus), partsText(state));
      noteWritten(state);
    } else sql.exec("UPDATE run SET header = ? WHERE k = 1", headerText(state, indexedStatus));
  };

  /**
   * Step records, by one statement text at the start and at every transition: a run is a new
   * object, whose every distinct statement SQLite compiles once (the later runs of a text
   * are cheap), so a second text for the start's rows would cost more than it saves.
   */
  const writeSteps = (records: readonly StepRecord[]): void => {
    for (const record of records) sql.exec("INSERT OR REPLACE INTO steps (name, record) VALUES (?, ?)", record.name, JSON.stringify(record));
  };

  const writeInbox = (next: readonly InboxEntry[], previous: readonly InboxEntry[]): void => {
    if (next === previous) return;
    const kept = new Set(next);
    for (const entry of previous) {
      const seq = inboxRows.get(entry);
      if (!kept.has(entry) && seq !== undefined) sql.exec("DELETE FROM inbox WHERE seq = ?", seq);
    }
    const known = new Set(previous);
    for (const entry of next) {
      if (known.has(entry)) continue;
      ensure("inbox");
      inboxRows.set(entry, sql.exec<{ seq: number }>("INSERT INTO inbox (entry) VALUES (?) RETURNING seq", JSON.stringify(entry)).one().seq);
    }
  };

  const loadInbox = (legacy: InboxEntry[] | undefined): InboxEntry[] => {
    // A header from before the inbox had its own rows: move its events there.
    if (legacy && legacy.length > 0) writeInbox(legacy, []);
    if (!exists("inbox")) return [];
    return sql.exec<{ seq: number; entry: string }>("SELECT seq, entry FROM inbox ORDER BY seq").toArray().map((row) => {
      const entry = JSON.parse(row.entry) as InboxEntry;
      inboxRows.set(entry, row.seq);
      return entry;
    });
  };

  return {
    /** The outbox of transition events (created with the run; empty if there is none). */
    get outbox(): SqlOutbox {
      return ready();
    },

    /** 1 when transition events wait to be published, else 0 (all a run's upkeep asks): from the outbox's memory copy. */
    eventsWaiting(): number {
      return ready().peek(1).length;
    },

    load(): StoredRun | undefined {
      if (!hasRun()) return undefined;
      ready();
      const row = sql.exec<{ definition: string; caller: string; header: string; parts?: string | null }>("SELECT * FROM run WHERE k = 1").toArray()[0];
      if (!row) return undefined;
      const { indexedStatus, indexShard: shardInHeader, completed, compensable, inbox: legacyInbox, ...rest } = JSON.parse(row.header) as LegacyHeader;
      // Parts the header does not hold inline are in the parts column, or in run_parts for a
      // run table created before the column (a header stored before both holds them all).
      written = {};
      partsInRow = Object.hasOwn(row, "parts");
      const stored: [string, unknown][] =
        typeof row.parts === "string"
          ? Object.entries(JSON.parse(row.parts) as Record<string, unknown>)
          : exists("run_parts")
            ? sql.exec<{ name: string; value: string }>("SELECT name, value FROM run_parts").toArray().map((part) => [part.name, JSON.parse(part.value)])
            : [];
      for (const [name, value] of stored) {
        if (!(PARTS as readonly string[]).includes(name) || Object.hasOwn(rest, name)) continue;
        (rest as Record<string, unknown>)[name] = value;
        written[name as Part] = value;
      }
      const inbox = transaction(() => {
        const entries = loadInbox(legacyInbox);
        if (legacyInbox !== undefined) sql.exec("UPDATE run SET header = ? WHERE k = 1", JSON.stringify({ ...rest, compensable: compensable ?? completed ?? [], indexedStatus }));
        return entries;
      });
      const header = { ...rest, compensable: compensable ?? completed ?? [], inbox };
      const definition = JSON.parse(row.definition) as WorkflowDefinition;
      // A step that has not left its blank start has no row (runs stored before have them all).
      const steps = withBlankSteps(
        definition,
        Object.fromEntries(sql.exec<{ name: string; record: string }>("SELECT * FROM steps").toArray().map((r) => [r.name, JSON.parse(r.record) as StepRecord])),
      );
      const fingerprint = exists("start_request") ? (sql.exec<{ fingerprint: string }>("SELECT fingerprint FROM start_request WHERE k = 1").toArray()[0]?.fingerprint ?? null) : null;
      // Indexed with no shard written down: indexed before the shards existed, in the tenant's registry.
      const shard = shardInHeader ?? (exists("index_shard") ? sql.exec<{ shard: number }>("SELECT shard FROM index_shard WHERE k = 1").toArray()[0]?.shard : undefined);
      indexShard = shard;
      const indexedIn: IndexHome | undefined = shard !== undefined ? shard : indexedStatus !== null ? "registry" : undefined;
      const traced = exists("run_trace") ? sql.exec<{ traceparent: string; tracestate: string | null }>("SELECT traceparent, tracestate FROM run_trace WHERE k = 1").toArray()[0] : undefined;
      const trace = traced ? { traceparent: traced.traceparent, ...(traced.tracestate === null ? {} : { tracestate: traced.tracestate }) } : undefined;
      return { definition, caller: JSON.parse(row.caller), state: { ...header, steps }, indexedStatus, fingerprint, ...(indexedIn === undefined ? {} : { indexedIn }), ...(trace ? { trace } : {}) };
    },

    create(run: StoredRun, events: readonly OutboxEvent[]): void {
      transaction(() => {
        ensure("run");
        ensure("steps");
        const box = ready();
        written = {};
        partsInRow = true;
        indexShard = typeof run.indexedIn === "number" ? run.indexedIn : undefined;
        sql.exec(
          "INSERT INTO run (k, definition, caller, header, parts) VALUES (1, ?, ?, ?, ?)",
          definitionJson(run.definition),
          JSON.stringify(run.caller),
          headerText(run.state, run.indexedStatus),
          partsText(run.state),
        );
        noteWritten(run.state);
        if (run.fingerprint !== null) ensure("start_request");
        if (run.fingerprint !== null) sql.exec("INSERT INTO start_request (k, fingerprint) VALUES (1, ?)", run.fingerprint);
        if (run.trace) ensure("run_trace");
        if (run.trace) sql.exec("INSERT INTO run_trace (k, traceparent, tracestate) VALUES (1, ?, ?)", run.trace.traceparent, run.trace.tracestate ?? null);
        writeSteps(Object.values(run.state.steps).filter((record) => !isBlankStep(record)));
        writeInbox(run.state.inbox, []);
        box.add(events);
      });
    },

    /** Writes the header, the step records and buffered events that changed (new objects), and the events. */
    save(state: RunState, previous: RunState, indexedStatus: string | null, events: readonly OutboxEvent[]): void {
      transaction(() => {
        writeHeader(state, indexedStatus);
        writeSteps(Object.values(state.steps).filter((record) => previous.steps[record.name] !== record));
        writeInbox(state.inbox, previous.inbox);
        ready().add(events);
      });
    },

    /** Records the status indexed, and the shard it is indexed in, in the header (one statement, unless its parts go to run_parts rows). */
    setIndexed(state: RunState, indexedStatus: string, indexedIn: IndexHome): void {
      const before = indexShard;
      if (indexedIn !== "registry") indexShard = indexedIn;
      try {
        if (partsInRow) writeHeader(state, indexedStatus);
        else transaction(() => writeHeader(state, indexedStatus));
      } catch (error) {
        indexShard = before;
        throw error;
      }
    },

    /** Deletes the run's storage, its alarm included: the object is as if the run never was. */
    async forget(): Promise<void> {
      await storage.deleteAlarm();
      await storage.deleteAll();
      outbox?.forgetMirror();
      outbox = null;
      tables = null;
      written = {};
      indexShard = undefined;
    },
  };
};

export type RunStore = ReturnType<typeof createRunStore>;
