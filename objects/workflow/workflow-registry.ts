// WorkflowRegistry: one Durable Object per tenant holding its registered workflow
// definitions (name@version, immutable once registered) and the index of its runs, so
// runs can be listed by workflow and status, newest first (by start time, then id),
// paged by the position of the last run shown (src/platform/workflow/run-cursor.ts).
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

const tenantSchema = z.strictObject({ tenant: idSchema });
export type RegistryAddress = z.input<typeof tenantSchema>;
const startTime = (summary: RunSummary): number => Date.parse(summary.createdAt) || 0;
const runQuerySchema = z.strictObject({
  workflow: z.string().max(64).optional(),
  status: z.string().max(32).optional(),
  limit: z.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(512).optional(),
});
export type RunQuery = z.input<typeof runQuerySchema>;

export class WorkflowRegistry extends DurableObject<Env> {
  readonly #sql = this.ctx.storage.sql;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql.exec("CREATE TABLE IF NOT EXISTS definitions (name TEXT NOT NULL, version TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (name, version))");
    this.#sql.exec("CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, workflow TEXT NOT NULL, status TEXT NOT NULL, summary TEXT NOT NULL, created_at INTEGER NOT NULL DEFAULT 0)");
    this.#addStartTimes();
    this.#sql.exec("CREATE INDEX IF NOT EXISTS runs_by_workflow ON runs (workflow, status)");
    this.#sql.exec("CREATE INDEX IF NOT EXISTS runs_newest ON runs (created_at, id)");
  }

  /** An index written before runs were listed by start time lacks the column: add it, filled from each summary. */
  #addStartTimes(): void {
    if (this.#sql.exec("SELECT * FROM runs LIMIT 0").columnNames.includes("created_at")) return;
    this.ctx.storage.transactionSync(() => {
      this.#sql.exec("ALTER TABLE runs ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0");
      for (const row of this.#sql.exec<{ id: string; summary: string }>("SELECT id, summary FROM runs").toArray()) {
        this.#sql.exec("UPDATE runs SET created_at = ? WHERE id = ?", startTime(JSON.parse(row.summary) as RunSummary), row.id);
      }
    });
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

  list(at: RegistryAddress): Promise<Result<WorkflowDefinition[]>> {
    return asResult(() => {
      parseOrProblem(tenantSchema, at, "address");
      return this.#definitions();
    });
  }

  recordRun(at: RegistryAddress, summary: RunSummary): Promise<Result<null>> {
    return asResult(() => {
      parseOrProblem(tenantSchema, at, "address");
      this.#sql.exec(
        "INSERT OR REPLACE INTO runs (id, workflow, status, summary, created_at) VALUES (?, ?, ?, ?, ?)",
        summary.id,
        summary.workflow,
        summary.status,
        JSON.stringify(summary),
        startTime(summary),
      );
      return null;
    });
  }

  runs(at: RegistryAddress, raw: RunQuery): Promise<Result<Page<RunSummary>>> {
    return asResult(() => {
      parseOrProblem(tenantSchema, at, "address");
      const query = parseOrProblem(runQuerySchema, raw, "query");
      const filters: string[] = [];
      const bindings: unknown[] = [];
      if (query.workflow) filters.push("workflow = ?") && bindings.push(query.workflow);
      if (query.status) filters.push("status = ?") && bindings.push(query.status);
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
