// DirectoryShard: one shard of a tenant's agent directory (`directory/<tenant>/<k>`).
// Agents register their entry here after each status change and on their alarm; a
// shard keeps the highest revision of each, pages lists in storage and answers
// discovery with its scored matches per tier, from its running entries held in memory
// (loaded on the first query, kept current by every write it stores). Entries an agent stopped refreshing
// (deleted without a word, or re-homed to another shard) expire, so the directory
// heals both ways: a lost entry comes back with the next refresh, a stale one goes.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { type DirectoryEntry, directoryEntrySchema } from "../../src/platform/discovery/entry.ts";
import { type ShardPage, type ShardPageRequest, shardPageSchema, shardPageSql } from "../../src/platform/discovery/list.ts";
import { type ShardQuery, shardQueriesSchema, type shardQuerySchema, type WireAnswer } from "../../src/platform/discovery/query.ts";
import { answerShard, toWire } from "../../src/platform/discovery/shard-answer.ts";
import { createRunningSet, type RunningSet } from "../../src/platform/discovery/running-set.ts";
import { ENTRY_EXPIRY_MS } from "../../src/platform/discovery/shards.ts";
import { idSchema } from "../../src/platform/ids.ts";
import { asResult, type Result } from "../../src/platform/result.ts";
import { createParseCache } from "../../src/platform/parse-cache.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";


const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS entries (id TEXT PRIMARY KEY, type TEXT NOT NULL, status TEXT NOT NULL,
     revision INTEGER NOT NULL, deleted INTEGER NOT NULL, seen_at INTEGER NOT NULL,
     labels TEXT NOT NULL, capabilities TEXT NOT NULL, data TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS entries_seen ON entries (seen_at)`,
];

const unregisterSchema = z.strictObject({ id: idSchema, revision: z.number().int().min(0) });
export type Unregister = z.input<typeof unregisterSchema>;

export class DirectoryShard extends DurableObject<Env> {
  /** The running entries, loaded from storage on the first query and kept current by every write (null: load again). */
  #running: RunningSet | null = null;
  /** Discovery queries parsed with zod, remembered by their text (the same queries come again and again). */
  readonly #parseQueries = createParseCache(shardQueriesSchema, "queries");

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    for (const statement of SCHEMA) ctx.storage.sql.exec(statement);
  }

  /** Stores the entry unless the shard holds a newer revision (or a newer deletion). Answers whether it did. */
  register(raw: DirectoryEntry): Promise<Result<{ stored: boolean }>> {
    return asResult(async () => {
      const entry = parseOrProblem(directoryEntrySchema, raw, "entry");
      const now = Date.now();
      const written = this.ctx.storage.sql.exec(
        `INSERT INTO entries (id, type, status, revision, deleted, seen_at, labels, capabilities, data) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET type = excluded.type, status = excluded.status, revision = excluded.revision, deleted = 0,
           seen_at = excluded.seen_at, labels = excluded.labels, capabilities = excluded.capabilities, data = excluded.data
         WHERE excluded.revision > entries.revision`,
        entry.id, entry.type, entry.status, entry.revision, now,
        JSON.stringify(entry.labels), JSON.stringify(entry.capabilities), JSON.stringify(entry),
      ).rowsWritten;
      if (written > 0) this.#running?.put(entry);
      await this.#armExpiry(now + ENTRY_EXPIRY_MS);
      return { stored: written > 0 };
    });
  }

  /** Marks the entry deleted at `revision` (a tombstone, so a late registration cannot bring it back). */
  unregister(raw: Unregister): Promise<Result<null>> {
    return asResult(async () => {
      const { id, revision } = parseOrProblem(unregisterSchema, raw);
      const now = Date.now();
      const written = this.ctx.storage.sql.exec(
        `INSERT INTO entries (id, type, status, revision, deleted, seen_at, labels, capabilities, data) VALUES (?, '', 'stopped', ?, 1, ?, '{}', '{}', 'null')
         ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, deleted = 1, seen_at = excluded.seen_at, data = 'null'
         WHERE excluded.revision > entries.revision`,
        id, revision, now,
      ).rowsWritten;
      if (written > 0) this.#running?.drop(id);
      await this.#armExpiry(now + ENTRY_EXPIRY_MS);
      return null;
    });
  }

  /** One page of entries after `after`, filtered and limited in storage. */
  page(raw: ShardPageRequest): Promise<Result<ShardPage>> {
    return asResult(() => {
      const request = parseOrProblem(shardPageSchema, raw, "page");
      const { sql, params } = shardPageSql(request);
      const rows = this.ctx.storage.sql.exec<{ data: string }>(sql, ...params).toArray();
      return { items: rows.slice(0, request.limit).map((row) => JSON.parse(row.data) as DirectoryEntry), more: rows.length > request.limit };
    });
  }

  /** The shard's matches for each of several discovery queries, scored, per tier: one RPC for a run's roles. */
  queryMany(raw: ShardQuery[]): Promise<Result<WireAnswer[]>> {
    return asResult(() => this.#parseQueries(raw).map((query) => this.#answer(query)));
  }

  #answer(query: z.output<typeof shardQuerySchema>): WireAnswer {
    // Discovery matches running agents only: those in memory that can match (of the types asked, or
    // holding a label value a constraint requires, whichever are fewer); the rest is scored in code.
    const types = query.types ?? (query.type === undefined ? [] : [query.type]);
    const { groups, meets } = this.#runningSet().candidates(types, query.constraints);
    return toWire(answerShard(groups, query, meets));
  }

  #runningSet(): RunningSet {
    this.#running ??= createRunningSet(
      this.ctx.storage.sql.exec<{ data: string }>("SELECT data FROM entries WHERE deleted = 0 AND status = 'running'").toArray().map((row) => JSON.parse(row.data) as DirectoryEntry),
    );
    return this.#running;
  }

  /** Drops entries and tombstones nobody refreshed within the expiry; re-arms for the next. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const expired = this.ctx.storage.sql.exec("DELETE FROM entries WHERE seen_at <= ?", now - ENTRY_EXPIRY_MS).rowsWritten;
    if (expired > 0) this.#running = null;
    const oldest = this.ctx.storage.sql.exec<{ at: number | null }>("SELECT MIN(seen_at) AS at FROM entries").one().at;
    if (oldest !== null) await this.ctx.storage.setAlarm(oldest + ENTRY_EXPIRY_MS);
  }

  async #armExpiry(at: number): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(at);
  }
}
