// WorkflowRegistry: one Durable Object per tenant holding its registered workflow
// definitions (name@version, immutable once registered; listed a page at a time, in key
// order) and the index of its runs, so runs can be listed by workflow and status, newest
// first (by start time, then id), paged by the position of the last run shown
// (src/platform/workflow/run-cursor.ts). The index is bounded: a finished run's entry
// is kept for JIDO_RUN_RETENTION_DAYS after it ended and at most JIDO_RUNS_INDEX_MAX
// finished entries are kept (the oldest finished go first), pruned when a run finishes
// and on the alarm; a running run's entry is never pruned.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { idSchema } from "../../src/platform/ids.ts";
import type { Page } from "../../src/platform/pagination.ts";
import { conflict } from "../../src/platform/problem.ts";
import { asResult, type Result } from "../../src/platform/result.ts";
import { type WorkflowDefinition, type WorkflowDefinitionInput, workflowDefinitionSchema } from "../../src/platform/workflow/definition.ts";
import { decodeRunCursor, encodeRunCursor } from "../../src/platform/workflow/run-cursor.ts";
import type { RunSummary } from "../../src/platform/workflow/run-view.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import { canonicalJson } from "../../src/platform/canonical-json.ts";
import { storageBounds } from "../../src/platform/storage-bounds.ts";
import { FINAL_STATUSES, isFinal, type RunStatus } from "../../src/platform/workflow/run-state.ts";
import { armEarliest } from "../durable/index.ts";

const tenantSchema = z.strictObject({ tenant: idSchema });
export type RegistryAddress = z.input<typeof tenantSchema>;
const startTime = (summary: RunSummary): number => Date.parse(summary.createdAt) || 0;
/** When an entry's run finished (its last update), or null while it runs. */
const finishTime = (summary: RunSummary): number | null => (isFinal(summary.status as RunStatus) ? Date.parse(summary.updatedAt) || 0 : null);
/** Epoch milliseconds of an ISO time in a summary's JSON, in SQL (0 when it is not a time), so a migration reads no row into the Worker. */
const sqlEpochMs = (field: string): string =>
  `COALESCE(CAST(ROUND((julianday(json_extract(summary, '$.${field}')) - 2440587.5) * 86400000.0) AS INTEGER), 0)`;
const FINAL_SQL = `(${FINAL_STATUSES.map((status) => `'${status}'`).join(", ")})`;
/** A definition's list key, `name@version`, as SQL (indexed): its byte order is the order of compareKeys. */
const DEFINITION_KEY = "(name || '@' || version)";
const definitionPageSchema = z.strictObject({ after: z.string().max(512).optional(), limit: z.number().int().min(1).max(1001) });
export type DefinitionPageQuery = z.input<typeof definitionPageSchema>;
const runQuerySchema = z.strictObject({
  workflow: z.string().max(64).optional(),
  status: z.string().max(32).optional(),
  limit: z.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(512).optional(),
});
export type RunQuery = z.input<typeof runQuerySchema>;

export class WorkflowRegistry extends DurableObject<Env> {
  readonly #sql = this.ctx.storage.sql;
  /** How many entries are of finished runs; counted once, then kept as entries come and go (this object is the only writer). */
  #finishedCount: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql.exec("CREATE TABLE IF NOT EXISTS definitions (name TEXT NOT NULL, version TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (name, version))");
    this.#sql.exec(`CREATE INDEX IF NOT EXISTS definitions_by_key ON definitions ${DEFINITION_KEY}`);
    this.#sql.exec("CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, workflow TEXT NOT NULL, status TEXT NOT NULL, summary TEXT NOT NULL, created_at INTEGER NOT NULL DEFAULT 0, finished_at INTEGER)");
    this.#addColumn("created_at", "INTEGER NOT NULL DEFAULT 0", sqlEpochMs("createdAt"), "");
    this.#addColumn("finished_at", "INTEGER", sqlEpochMs("updatedAt"), `WHERE status IN ${FINAL_SQL}`);
    this.#sql.exec("CREATE INDEX IF NOT EXISTS runs_by_workflow ON runs (workflow, status)");
    this.#sql.exec("CREATE INDEX IF NOT EXISTS runs_newest ON runs (created_at, id)");
    this.#sql.exec("CREATE INDEX IF NOT EXISTS runs_finished ON runs (finished_at, id) WHERE finished_at IS NOT NULL");
  }

  /** An index written before a column existed lacks it: add it, filled from each summary by SQL. */
  #addColumn(name: string, type: string, value: string, where: string): void {
    if (this.#sql.exec("SELECT * FROM runs LIMIT 0").columnNames.includes(name)) return;
    this.ctx.storage.transactionSync(() => {
      this.#sql.exec(`ALTER TABLE runs ADD COLUMN ${name} ${type}`);
      this.#sql.exec(`UPDATE runs SET ${name} = ${value} ${where}`);
    });
  }

  #finished(): number {
    return (this.#finishedCount ??= this.#sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM runs WHERE finished_at IS NOT NULL").one().n);
  }

  /** Deletes finished entries past their retention, then the oldest finished beyond the most kept. Call inside a transaction. */
  #prune(now: number): void {
    const bounds = storageBounds(this.env);
    const expired = this.#sql.exec("DELETE FROM runs WHERE finished_at IS NOT NULL AND finished_at <= ? RETURNING id", now - bounds.runRetentionMs).toArray().length;
    this.#finishedCount = this.#finished() - expired;
    const excess = this.#finishedCount - bounds.runsIndexMax;
    if (excess > 0) {
      const dropped = this.#sql
        .exec("DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE finished_at IS NOT NULL ORDER BY finished_at, id LIMIT ?) RETURNING id", excess)
        .toArray().length;
      this.#finishedCount -= dropped;
    }
  }

  /** The alarm comes back when the oldest finished entry expires. */
  async #armPrune(): Promise<void> {
    const oldest = this.#sql.exec<{ at: number | null }>("SELECT MIN(finished_at) AS at FROM runs WHERE finished_at IS NOT NULL").one().at;
    if (oldest !== null) await armEarliest(this.ctx.storage, [oldest + storageBounds(this.env).runRetentionMs]);
  }

  /** Runs `fn` in a transaction; the cached count is dropped if it fails (the rows are as they were). */
  #write<T>(fn: () => T): T {
    try {
      return this.ctx.storage.transactionSync(fn);
    } catch (error) {
      this.#finishedCount = null;
      throw error;
    }
  }

  #definitions(where = "", ...bindings: unknown[]): WorkflowDefinition[] {
    return this.#sql
      .exec<{ body: string }>(`SELECT body FROM definitions ${where} ORDER BY name, version`, ...bindings)
      .toArray()
      .map((row) => JSON.parse(row.body) as WorkflowDefinition);
  }

  register(at: RegistryAddress, raw: WorkflowDefinitionInput): Promise<Result<{ created: boolean; definition: WorkflowDefinition }>> {
    return asResult(() => {
      parseOrProblem(tenantSchema, at, "address");
      const definition = parseOrProblem(workflowDefinitionSchema, raw);
      const existing = this.#definitions("WHERE name = ? AND version = ?", definition.name, definition.version)[0];
      if (existing) {
        if (canonicalJson(existing) !== canonicalJson(definition)) {
          throw conflict(`Workflow ${definition.name}@${definition.version} is already registered with another definition; register a new version.`);
        }
        return { created: false, definition: existing };
      }
      this.#sql.exec("INSERT INTO definitions (name, version, body) VALUES (?, ?, ?)", definition.name, definition.version, JSON.stringify(definition));
      return { created: true, definition };
    });
  }

  versions(at: RegistryAddress, name: string): Promise<Result<WorkflowDefinition[]>> {
    return asResult(() => {
      parseOrProblem(tenantSchema, at, "address");
      return this.#definitions("WHERE name = ?", name);
    });
  }

  /** At most `limit` definitions whose key (`name@version`) comes after `after`, in key order: one page, read from storage. */
  list(at: RegistryAddress, query: DefinitionPageQuery): Promise<Result<WorkflowDefinition[]>> {
    return asResult(() => {
      parseOrProblem(tenantSchema, at, "address");
      const { after, limit } = parseOrProblem(definitionPageSchema, query, "query");
      return this.#sql
        .exec<{ body: string }>(`SELECT body FROM definitions WHERE ${DEFINITION_KEY} > ? ORDER BY ${DEFINITION_KEY} LIMIT ?`, after ?? "", limit)
        .toArray()
        .map((row) => JSON.parse(row.body) as WorkflowDefinition);
    });
  }

  recordRun(at: RegistryAddress, summary: RunSummary): Promise<Result<null>> {
    return asResult(async () => {
      parseOrProblem(tenantSchema, at, "address");
      const finishedAt = finishTime(summary);
      this.#write(() => {
        const before = this.#sql.exec<{ finished_at: number | null }>("SELECT finished_at FROM runs WHERE id = ?", summary.id).toArray()[0];
        const count = this.#finished();
        this.#sql.exec(
          "INSERT OR REPLACE INTO runs (id, workflow, status, summary, created_at, finished_at) VALUES (?, ?, ?, ?, ?, ?)",
          summary.id,
          summary.workflow,
          summary.status,
          JSON.stringify(summary),
          startTime(summary),
          finishedAt,
        );
        this.#finishedCount = count + (finishedAt !== null ? 1 : 0) - (before && before.finished_at !== null ? 1 : 0);
        if (finishedAt !== null) this.#prune(Date.now());
      });
      if (finishedAt !== null) await this.#armPrune();
      return null;
    });
  }

  override async alarm(): Promise<void> {
    this.#write(() => this.#prune(Date.now()));
    await this.#armPrune();
  }

  runs(at: RegistryAddress, raw: RunQuery): Promise<Result<Page<RunSummary>>> {
    return asResult(() => {
      parseOrProblem(tenantSchema, at, "address");
      const query = parseOrProblem(runQuerySchema, raw, "query");
      const filters: string[] = [];
      const bindings: unknown[] = [];
      if (query.workflow) filters.push("workflow = ?") && bindings.push(query.workflow);
      if (query.status) filters.push("status = ?") && bindings.push(query.status);
      // An expired entry the alarm has not pruned yet is not listed: its run is (about to be) gone.
      filters.push("(finished_at IS NULL OR finished_at > ?)") && bindings.push(Date.now() - storageBounds(this.env).runRetentionMs);
      if (query.cursor !== undefined) {
        const after = decodeRunCursor(query.cursor);
        filters.push("(created_at < ? OR (created_at = ? AND id < ?))") && bindings.push(after.createdAt, after.createdAt, after.id);
      }
      const rows = this.#sql
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
    });
  }
}
