// WorkflowRegistry: one Durable Object per tenant holding its registered workflow
// definitions (name@version, immutable once registered; listed a page at a time, in key
// order). It also keeps the runs index it held before runs were indexed in shards
// (runs-index-shard.ts): the runs indexed here then are still listed from here, and
// their final status is recorded here, until their retention ends (runs-index.ts has
// the bounds: JIDO_RUN_RETENTION_DAYS, JIDO_RUNS_INDEX_MAX).
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { idSchema } from "../../src/platform/ids.ts";
import type { Page } from "../../src/platform/pagination.ts";
import { conflict } from "../../src/platform/problem.ts";
import { asResult, type Result } from "../../src/platform/result.ts";
import { type WorkflowDefinition, type WorkflowDefinitionInput, workflowDefinitionSchema } from "../../src/platform/workflow/definition.ts";
import type { RunSummary } from "../../src/platform/workflow/run-view.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import { canonicalJson } from "../../src/platform/canonical-json.ts";
import { storageBounds } from "../../src/platform/storage-bounds.ts";
import { createRunsIndex, type RunQuery, type RunsIndex } from "./runs-index.ts";

const tenantSchema = z.strictObject({ tenant: idSchema });
export type RegistryAddress = z.input<typeof tenantSchema>;
/** A definition's list key, `name@version`, as SQL (indexed): its byte order is the order of compareKeys. */
const DEFINITION_KEY = "(name || '@' || version)";
const definitionPageSchema = z.strictObject({ after: z.string().max(512).optional(), limit: z.number().int().min(1).max(1001) });
export type DefinitionPageQuery = z.input<typeof definitionPageSchema>;

export class WorkflowRegistry extends DurableObject<Env> {
  readonly #sql = this.ctx.storage.sql;
  /** The runs indexed here before the runs-index shards existed, and those runs' later updates. */
  readonly #runs: RunsIndex;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql.exec("CREATE TABLE IF NOT EXISTS definitions (name TEXT NOT NULL, version TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (name, version))");
    this.#sql.exec(`CREATE INDEX IF NOT EXISTS definitions_by_key ON definitions ${DEFINITION_KEY}`);
    this.#runs = createRunsIndex(ctx.storage, () => {
      const bounds = storageBounds(this.env);
      return { retentionMs: bounds.runRetentionMs, max: bounds.runsIndexMax };
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
      await this.#runs.record(summary);
      return null;
    });
  }

  override async alarm(): Promise<void> {
    await this.#runs.alarm();
  }

  runs(at: RegistryAddress, query: RunQuery): Promise<Result<Page<RunSummary>>> {
    return asResult(() => {
      parseOrProblem(tenantSchema, at, "address");
      return this.#runs.page(query);
    });
  }
}
