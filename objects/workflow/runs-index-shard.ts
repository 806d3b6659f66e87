// RunsIndexShard: shard k of a tenant's runs index (`runs-index/<tenant>/<k>`, k a hash
// of the run id: src/platform/workflow/run-shards.ts). A run's coordinator records its
// summary here when it starts and when it ends; GET /v1/runs merges the shards' pages
// (src/platform/workflow/run-merge.ts). Its own class rather than the registry under
// shard names: a shard holds runs only (no definitions table, no definition traffic),
// and its bounds are the tenant's split over the shards: JIDO_RUN_RETENTION_DAYS as is,
// JIDO_RUNS_INDEX_MAX / JIDO_RUN_INDEX_SHARDS finished entries (rounded up).
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { idSchema } from "../../src/platform/ids.ts";
import type { Page } from "../../src/platform/pagination.ts";
import { asResult, type Result } from "../../src/platform/result.ts";
import { storageBounds } from "../../src/platform/storage-bounds.ts";
import { MAX_RUN_INDEX_SHARDS, runShardCount, shardIndexMax } from "../../src/platform/workflow/run-shards.ts";
import type { RunSummary } from "../../src/platform/workflow/run-view.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import { createRunsIndex, type RunQuery } from "./runs-index.ts";

const addressSchema = z.strictObject({ tenant: idSchema, shard: z.number().int().min(0).max(MAX_RUN_INDEX_SHARDS - 1) });
export type RunsIndexShardAddress = z.input<typeof addressSchema>;

const summarySchema = z.strictObject({
  id: idSchema,
  workflow: z.string().min(1).max(128),
  version: z.string().min(1).max(128),
  status: z.string().min(1).max(32),
  createdAt: z.string().max(64),
  updatedAt: z.string().max(64),
});

export class RunsIndexShard extends DurableObject<Env> {
  readonly #runs = createRunsIndex(this.ctx.storage, () => {
    const bounds = storageBounds(this.env);
    return { retentionMs: bounds.runRetentionMs, max: shardIndexMax(bounds.runsIndexMax, runShardCount(this.env.JIDO_RUN_INDEX_SHARDS)) };
  });

  recordRun(at: RunsIndexShardAddress, summary: RunSummary): Promise<Result<null>> {
    return asResult(async () => {
      parseOrProblem(addressSchema, at, "address");
      await this.#runs.record(parseOrProblem(summarySchema, summary, "summary"));
      return null;
    });
  }

  runs(at: RunsIndexShardAddress, query: RunQuery): Promise<Result<Page<RunSummary>>> {
    return asResult(() => {
      parseOrProblem(addressSchema, at, "address");
      return this.#runs.page(query);
    });
  }

  override async alarm(): Promise<void> {
    await this.#runs.alarm();
  }
}
