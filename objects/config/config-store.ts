// ConfigStore: one Durable Object per tenant holding the versions of its configuration
// settings (the current one and up to CONFIG_HISTORY_MAX - 1 before it). Every change
// (a merge patch, or a rollback to an earlier version) is validated as a whole against
// the deployment's defaults, checked against the caller's If-Match, stored as a new
// version, and announced as `config.changed` on the tenant's `config` stream through an
// outbox committed in the same transaction. Decisions: src/platform/config/.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { CONFIG_STREAM, type ConfigChange, configChangedEvent } from "../../src/platform/config/changed-event.ts";
import { CONFIG_HISTORY_MAX, etagOf, ifMatchAllows, patchSettings, resolveConfig, type Settings } from "../../src/platform/config/document.ts";
import { changedPaths } from "../../src/platform/config/merge-patch.ts";
import type { StoredConfig } from "../../src/platform/config/reader.ts";
import { configDefaults } from "../../src/platform/config/schema.ts";
import { idSchema } from "../../src/platform/ids.ts";
import { cursorKey, type Page, pageOfRows, paginationQuery, type PaginationQuery } from "../../src/platform/pagination.ts";
import { notFound, problem } from "../../src/platform/problem.ts";
import { asResult, type Result } from "../../src/platform/result.ts";
import { createTelemetry } from "../../src/platform/telemetry/emitter.ts";
import { createLogger } from "../../src/platform/telemetry/logger.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import { createSqlOutbox, drainOutbox, type SqlOutbox } from "../durable/index.ts";

const tenantSchema = z.strictObject({ tenant: idSchema });
const changeSchema = z.strictObject({ ifMatch: z.string().max(1_000).nullable(), by: z.string().min(1).max(200) });
const patchSchema = changeSchema.extend({ patch: z.unknown() });
const rollbackSchema = changeSchema.extend({ version: z.number().int().min(0) });

export type ConfigAddress = z.input<typeof tenantSchema>;
export type ConfigVersion = { version: number; at: string | null; by: string | null; kind: "defaults" | "patch" | "rollback"; restored: number | null; changed: string[]; settings: Settings };
export type ConfigWrite = { stored: StoredConfig; changed: string[]; created: boolean };

type Row = { version: number; settings: string; at: number; by: string; kind: "patch" | "rollback"; restored: number | null; changed: string };

const DRAIN_RETRY_MS = 1_000;
const log = createLogger({ base: { component: "config" } });

export class ConfigStore extends DurableObject<Env> {
  readonly #sql: SqlStorage;
  readonly #outbox: SqlOutbox;
  readonly #telemetry = createTelemetry();
  #tenant: string | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS versions (version INTEGER PRIMARY KEY, settings TEXT NOT NULL, at INTEGER NOT NULL,
      by TEXT NOT NULL, kind TEXT NOT NULL, restored INTEGER, changed TEXT NOT NULL)`);
    this.#sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    this.#outbox = createSqlOutbox(this.#sql, CONFIG_STREAM);
    this.#tenant = this.#sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'tenant'").toArray()[0]?.value ?? null;
  }

  #address(at: ConfigAddress): string {
    const { tenant } = parseOrProblem(tenantSchema, at, "address");
    if (this.#tenant === null) {
      this.#sql.exec("INSERT OR IGNORE INTO meta (key, value) VALUES ('tenant', ?)", tenant);
      this.#tenant = tenant;
    }
    return tenant;
  }

  #current(): Row | null {
    return this.#sql.exec<Row>("SELECT * FROM versions ORDER BY version DESC LIMIT 1").toArray()[0] ?? null;
  }

  #stored(row: Row | null): StoredConfig {
    return row ? { version: row.version, settings: JSON.parse(row.settings) as Settings, updatedAt: row.at } : { version: 0, settings: {}, updatedAt: null };
  }

  read(at: ConfigAddress): Promise<Result<StoredConfig>> {
    return asResult(() => {
      this.#address(at);
      return this.#stored(this.#current());
    });
  }

  patch(at: ConfigAddress, request: z.input<typeof patchSchema>): Promise<Result<ConfigWrite>> {
    return asResult(() => {
      const tenant = this.#address(at);
      const { patch, ifMatch, by } = parseOrProblem(patchSchema, request, "request");
      return this.#write(tenant, ifMatch, by, "patch", null, (settings) => patchSettings(configDefaults(this.env), settings, patch));
    });
  }

  rollback(at: ConfigAddress, request: z.input<typeof rollbackSchema>): Promise<Result<ConfigWrite>> {
    return asResult(() => {
      const tenant = this.#address(at);
      const { version, ifMatch, by } = parseOrProblem(rollbackSchema, request, "request");
      const target = version === 0 ? "{}" : this.#sql.exec<Row>("SELECT * FROM versions WHERE version = ?", version).toArray()[0]?.settings;
      if (target === undefined) throw notFound("Configuration version", String(version));
      // The settings replace the current ones whole; validated against today's defaults, like a patch.
      return this.#write(tenant, ifMatch, by, "rollback", version, (settings) => {
        const defaults = configDefaults(this.env);
        const restored = patchSettings(defaults, {}, JSON.parse(target));
        return { settings: restored.settings, changed: changedPaths(resolveConfig(defaults, settings), restored.config) };
      });
    });
  }

  #write(
    tenant: string,
    ifMatch: string | null,
    by: string,
    kind: "patch" | "rollback",
    restored: number | null,
    change: (settings: Settings) => { settings: Settings; changed: string[] },
  ): ConfigWrite {
    const current = this.#current();
    const before = this.#stored(current);
    if (!ifMatchAllows(ifMatch, before.version)) {
      throw problem(412, "precondition-failed", "Precondition failed", `The configuration is at version ${before.version} (ETag ${etagOf(before.version)}), not the one If-Match names.`, {
        extensions: { etag: etagOf(before.version), version: before.version },
      });
    }
    const next = change(before.settings);
    const json = JSON.stringify(next.settings);
    if (kind === "patch" && json === JSON.stringify(before.settings)) return { stored: before, changed: [], created: false };
    const now = Date.now();
    const version = before.version + 1;
    const event: ConfigChange = { version, previousVersion: before.version, changed: next.changed, by, kind, ...(restored === null ? {} : { restored }) };
    this.ctx.storage.transactionSync(() => {
      this.#sql.exec(
        "INSERT INTO versions (version, settings, at, by, kind, restored, changed) VALUES (?, ?, ?, ?, ?, ?, ?)",
        version, json, now, by, kind, restored, JSON.stringify(next.changed),
      );
      this.#sql.exec("DELETE FROM versions WHERE version <= ?", version - CONFIG_HISTORY_MAX);
      this.#outbox.add([configChangedEvent(tenant, event, now)]);
    });
    this.#drainSoon(tenant);
    return { stored: { version, settings: next.settings, updatedAt: now }, changed: next.changed, created: true };
  }

  /** Newest first; version 0 (the defaults) is listed while the history reaches back to it. */
  history(at: ConfigAddress, query: PaginationQuery): Promise<Result<Page<ConfigVersion>>> {
    return asResult(() => {
      this.#address(at);
      const { limit, cursor } = parseOrProblem(paginationQuery, query, "query");
      const after = cursorKey(cursor);
      const below = after === undefined ? Number.MAX_SAFE_INTEGER : Number(after);
      const rows = this.#sql.exec<Row>("SELECT * FROM versions WHERE version < ? ORDER BY version DESC LIMIT ?", below, limit + 1).toArray();
      const items: ConfigVersion[] = rows.map((row) => ({
        version: row.version,
        at: new Date(row.at).toISOString(),
        by: row.by,
        kind: row.kind,
        restored: row.restored,
        changed: JSON.parse(row.changed) as string[],
        settings: JSON.parse(row.settings) as Settings,
      }));
      const oldest = this.#sql.exec<{ v: number | null }>("SELECT MIN(version) AS v FROM versions").one().v;
      if (items.length <= limit && (oldest === null || oldest === 1)) {
        items.push({ version: 0, at: null, by: null, kind: "defaults", restored: null, changed: [], settings: {} });
      }
      const page = pageOfRows(items, (item) => String(item.version), limit);
      return page;
    });
  }

  #drainSoon(tenant: string): void {
    this.ctx.waitUntil(
      this.ctx.storage.setAlarm(Date.now() + DRAIN_RETRY_MS).then(() => this.#drain(tenant)),
    );
  }

  async #drain(tenant: string): Promise<void> {
    try {
      if (await drainOutbox(this.#outbox, { streams: this.env.STREAMS, tenant, telemetry: this.#telemetry })) await this.ctx.storage.deleteAlarm();
    } catch (error) {
      // Left for the alarm, which retries until the stream acknowledges.
      log.warn("config.changed not appended yet", { tenant, error: error instanceof Error ? error.message : String(error) });
    }
  }

  override async alarm(): Promise<void> {
    if (this.#tenant === null || this.#outbox.pending() === 0) return;
    await this.ctx.storage.setAlarm(Date.now() + DRAIN_RETRY_MS);
    await this.#drain(this.#tenant);
  }
}
