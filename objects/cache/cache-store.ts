// CacheStore: the cache's origin, one Durable Object per key shard of a tenant
// (`cache/<tenant>/<k>`). It is the strongly consistent copy: a write is acknowledged
// once committed here, and `strong` reads always come here. It also keeps the L3 tier
// (Workers KV) following: each write marks its key due for a push, and the alarm pushes
// each due key's newest copy (or removes a deleted one) at most once a second per key,
// retrying failures with backoff. Expired entries and old tombstones are purged by the
// same alarm. Decisions (versions, push schedule, sizes) live in src/platform/cache.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { type CacheCopy, assertValueFits, isExpired, MAX_TTL_SECONDS, nextVersion } from "../../src/platform/cache/entry.ts";
import { kvExpirationTtl, needsRefresh, pushDueAfterPush, pushDueAfterWrite, pushRetryAt } from "../../src/platform/cache/kv-schedule.ts";
import { anyNamespaceSchema, entryName, keySchema } from "../../src/platform/cache/names.ts";
import { idSchema } from "../../src/platform/ids.ts";
import { asResult, type Result } from "../../src/platform/result.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import { armEarliest } from "../durable/index.ts";

/** How long a deleted key's tombstone (its version) is kept, so later writes get higher versions. */
const TOMBSTONE_MS = 3_600_000;
const PUSH_BATCH = 50;
const PURGE_BATCH = 1_000;

const addressSchema = z.strictObject({ tenant: idSchema, namespace: anyNamespaceSchema, key: keySchema });
const writeSchema = z.strictObject({ value: z.string(), ttlSeconds: z.number().int().min(1).max(MAX_TTL_SECONDS) });

export type CacheAddress = z.input<typeof addressSchema>;
export type CacheWrite = z.input<typeof writeSchema>;
/** What the origin holds for a key: its live copy (asOf now), or null; `floor` is the newest version it knows (0 none). */
export type OriginRead = { copy: CacheCopy | null; floor: number };

type Row = {
  name: string;
  value: string | null;
  version: number;
  written_at: number;
  expires_at: number;
  deleted: number;
  pushed_at: number;
  push_due: number | null;
  failures: number;
};

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS entries (name TEXT PRIMARY KEY, value TEXT, version INTEGER NOT NULL, written_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL, deleted INTEGER NOT NULL, pushed_at INTEGER NOT NULL, push_due INTEGER, failures INTEGER NOT NULL)`,
  "CREATE INDEX IF NOT EXISTS entries_due ON entries (push_due) WHERE push_due IS NOT NULL",
  "CREATE INDEX IF NOT EXISTS entries_expiry ON entries (expires_at)",
];

const nameOf = (raw: CacheAddress): string => {
  const at = parseOrProblem(addressSchema, raw, "address");
  return entryName(at.tenant, at.namespace, at.key);
};

export class CacheStore extends DurableObject<Env> {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    for (const statement of SCHEMA) this.#sql.exec(statement);
    // Alarms survive restarts, but one lost to a crash between commit and setAlarm is re-armed here.
    void ctx.blockConcurrencyWhile(() => this.#rearm());
  }

  #row(name: string): Row | undefined {
    return this.#sql.exec<Row>("SELECT * FROM entries WHERE name = ?", name).toArray()[0];
  }

  get(at: CacheAddress): Promise<Result<OriginRead>> {
    return asResult(async () => {
      const name = nameOf(at);
      const row = this.#row(name);
      const now = Date.now();
      if (!row || row.deleted === 1 || row.value === null || isExpired({ expiresAt: row.expires_at }, now)) return { copy: null, floor: row?.version ?? 0 };
      if (needsRefresh(row.pushed_at, row.push_due, now)) {
        this.#sql.exec("UPDATE entries SET push_due = ? WHERE name = ?", now, name);
        await armEarliest(this.ctx.storage, [now]);
      }
      return { copy: { value: row.value, version: row.version, writtenAt: row.written_at, expiresAt: row.expires_at, asOf: now }, floor: row.version };
    });
  }

  put(at: CacheAddress, raw: CacheWrite): Promise<Result<CacheCopy>> {
    return asResult(async () => (await this.#put(nameOf(at), raw, null)) as CacheCopy);
  }

  async #put(name: string, raw: CacheWrite, ifVersion: number | null): Promise<CacheCopy | null> {
    const write = parseOrProblem(writeSchema, raw, "write");
    assertValueFits(write.value);
    const now = Date.now();
    const row = this.#row(name);
    if (ifVersion !== null && (row?.version ?? 0) !== ifVersion) return null;
    const copy: CacheCopy = { value: write.value, version: nextVersion(row?.version ?? null, now), writtenAt: now, expiresAt: now + write.ttlSeconds * 1000, asOf: now };
    const due = pushDueAfterWrite(row?.push_due ?? null, row?.pushed_at ?? 0, now);
    this.#write(name, copy.value, copy.version, now, copy.expiresAt, row, due);
    await armEarliest(this.ctx.storage, [due]);
    return copy;
  }

  /**
   * Writes only if the key's newest version (live, deleted or expired; 0 when none) is
   * still `ifVersion`, else answers null and writes nothing. The platform's read-through
   * (cachedRead) stores a value it loaded this way, so a load that raced an
   * invalidation (`invalidate`, below) cannot put back the value it replaced.
   */
  putIf(at: CacheAddress, raw: CacheWrite, ifVersion: number): Promise<Result<CacheCopy | null>> {
    return asResult(() => this.#put(nameOf(at), raw, parseOrProblem(z.number().int().min(0), ifVersion, "ifVersion")));
  }

  /** Like delete, but always leaves a tombstone with a new version, even for a key that held nothing (see putIf). */
  invalidate(at: CacheAddress): Promise<Result<{ version: number }>> {
    return asResult(async () => {
      const name = nameOf(at);
      const row = this.#row(name);
      const now = Date.now();
      const version = nextVersion(row?.version ?? null, now);
      const due = pushDueAfterWrite(row?.push_due ?? null, row?.pushed_at ?? 0, now);
      this.#write(name, null, version, now, now + TOMBSTONE_MS, row, due);
      await armEarliest(this.ctx.storage, [due]);
      return { version };
    });
  }

  /** Deletes the key, keeping a tombstone with a new version (which readers take as their floor). */
  delete(at: CacheAddress): Promise<Result<{ version: number }>> {
    return asResult(async () => {
      const name = nameOf(at);
      const row = this.#row(name);
      if (!row) return { version: 0 };
      if (row.deleted === 1) return { version: row.version };
      const now = Date.now();
      const version = nextVersion(row.version, now);
      const due = pushDueAfterWrite(row.push_due, row.pushed_at, now);
      this.#write(name, null, version, now, now + TOMBSTONE_MS, row, due);
      await armEarliest(this.ctx.storage, [due]);
      return { version };
    });
  }

  #write(name: string, value: string | null, version: number, now: number, expiresAt: number, row: Row | undefined, due: number): void {
    this.#sql.exec(
      `INSERT OR REPLACE INTO entries (name, value, version, written_at, expires_at, deleted, pushed_at, push_due, failures)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      name, value, version, now, expiresAt, value === null ? 1 : 0, row?.pushed_at ?? 0, due, row?.failures ?? 0,
    );
  }

  /** Pushes the due keys to KV, purges what expired, and re-arms for the next deadline. Idempotent. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const due = this.#sql.exec<Row>("SELECT * FROM entries WHERE push_due IS NOT NULL AND push_due <= ? ORDER BY push_due LIMIT ?", now, PUSH_BATCH).toArray();
    await Promise.all(due.map((row) => this.#push(row)));
    this.#sql.exec(
      "DELETE FROM entries WHERE name IN (SELECT name FROM entries WHERE expires_at <= ? AND push_due IS NULL LIMIT ?)",
      Date.now(), PURGE_BATCH,
    );
    await this.#rearm(true);
  }

  async #push(row: Row): Promise<void> {
    const startedAt = Date.now();
    try {
      if (row.value === null || isExpired({ expiresAt: row.expires_at }, startedAt)) {
        await this.env.CACHE_KV.delete(row.name);
      } else {
        const copy: CacheCopy = { value: row.value, version: row.version, writtenAt: row.written_at, expiresAt: row.expires_at, asOf: startedAt };
        await this.env.CACHE_KV.put(row.name, JSON.stringify(copy), { expirationTtl: kvExpirationTtl(copy, startedAt) });
      }
      // A write may have landed while the push was under way: then it is due again, a second after this one.
      const current = this.#row(row.name);
      if (current) {
        this.#sql.exec("UPDATE entries SET pushed_at = ?, push_due = ?, failures = 0 WHERE name = ?",
          startedAt, pushDueAfterPush(current.version, row.version, startedAt), row.name);
      }
    } catch (error) {
      // KV refused (e.g. 429 for more than one write a second to a key, or an outage): try again later.
      const failures = row.failures + 1;
      console.warn(JSON.stringify({ level: "warn", component: "cache", msg: "KV push failed; retried", failures, error: error instanceof Error ? error.message : String(error) }));
      this.#sql.exec("UPDATE entries SET push_due = ?, failures = ? WHERE name = ? AND push_due IS NOT NULL", pushRetryAt(failures, Date.now()), failures, row.name);
    }
  }

  async #rearm(replace = false): Promise<void> {
    const next = this.#sql
      .exec<{ at: number | null }>("SELECT MIN(at) AS at FROM (SELECT MIN(push_due) AS at FROM entries UNION ALL SELECT MIN(expires_at) AS at FROM entries)")
      .one().at;
    if (next === null) return;
    if (replace) await this.ctx.storage.setAlarm(next);
    else await armEarliest(this.ctx.storage, [next]);
  }
}
