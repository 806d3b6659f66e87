// The objects-side loader of configuration: one reader per isolate (shared by the Worker
// and every object in it), loading at most every CONFIG_MAX_STALENESS_MS per tenant
// through the tiered cache in `bounded` mode (entry `_config/current` of the tenant: L1,
// L2, L3, then the cache's origin, then the tenant's ConfigStore), so a new isolate
// finds the configuration in its location's cache or KV rather than asking the one
// ConfigStore. Writes go through here too: the isolate that made a change sees it at
// once, and the change invalidates the cache entry (a new version at its origin), so
// every other reader sees it within the bound.
import { configObjectName } from "../../src/platform/config/document.ts";
import { CONFIG_MAX_STALENESS_MS, type ConfigReader, type ConfigView, createConfigReader, type StoredConfig } from "../../src/platform/config/reader.ts";
import { type ConfigVars, configDefaults } from "../../src/platform/config/schema.ts";
import { callDurable } from "../../src/platform/durable-call.ts";
import type { PaginationQuery } from "../../src/platform/pagination.ts";
import { createTelemetry, type Telemetry } from "../../src/platform/telemetry/emitter.ts";
import { createLogger } from "../../src/platform/telemetry/logger.ts";
import { type Background, cachedReadAged, cacheInvalidate, type CacheTierEnv } from "../cache/index.ts";
import { typedStub } from "../durable/index.ts";

type ConfigEnv = ConfigVars & CacheTierEnv & { CONFIGS: Env["CONFIGS"] };

/** The cache entry holding a tenant's current stored configuration. */
const CACHE_NAMESPACE = "_config";
const CACHE_KEY = "current";
/**
 * How long the cache keeps an entry: the backstop should an invalidation after a change
 * fail (it is logged); then readers may see the previous version for this long at most.
 */
const CACHE_TTL_SECONDS = 60;

const log = createLogger({ base: { component: "config" } });
const readers = new WeakMap<object, ConfigReader>();

const stubOf = (namespace: Env["CONFIGS"], tenant: string) => typedStub(namespace.get(namespace.idFromName(configObjectName(tenant))));

/** The isolate's reader for this environment (one per env object, so tests with their own env get their own). */
export const configReader = (env: ConfigEnv, telemetry: Telemetry = createTelemetry()): ConfigReader => {
  let reader = readers.get(env.CONFIGS);
  if (!reader) {
    reader = createConfigReader({
      load: async (tenant) => {
        const { value, asOf } = await cachedReadAged<StoredConfig>(
          env, tenant, CACHE_NAMESPACE, CACHE_KEY,
          { consistency: "bounded", maxStalenessMs: CONFIG_MAX_STALENESS_MS, ttlSeconds: CACHE_TTL_SECONDS },
          background(telemetry),
          () => callDurable("config.read", () => stubOf(env.CONFIGS, tenant).read({ tenant }), telemetry),
        );
        return { stored: value!, asOf };
      },
      defaults: () => configDefaults(env),
      onError: (tenant, error) => {
        telemetry.emit("config.stale", { count: 1 }, { tenant });
        log.warn("configuration reload failed; serving the last copy", { tenant, error: error instanceof Error ? error.message : String(error) });
      },
    });
    readers.set(env.CONFIGS, reader);
  }
  return reader;
};

/** A tenant's configuration, at most CONFIG_MAX_STALENESS_MS old. */
export const readConfig = (env: ConfigEnv, tenant: string, telemetry?: Telemetry): Promise<ConfigView> => configReader(env, telemetry).read(tenant);

/** The reader outlives requests: the L2 refresh it starts is best effort (the copy is in L1 and at the origin already). */
const background = (telemetry: Telemetry): Background => ({ telemetry, waitUntil: (promise) => void promise.catch(() => undefined) });

/** After a committed change: other isolates stop taking the previous version once their copy passes the bound. */
const invalidate = async (env: ConfigEnv, telemetry: Telemetry, tenant: string): Promise<void> => {
  try {
    await cacheInvalidate(env, tenant, CACHE_NAMESPACE, CACHE_KEY, background(telemetry));
  } catch (error) {
    telemetry.emit("config.invalidate_failed", { count: 1 }, { tenant });
    log.error("configuration changed but the cache was not invalidated; other isolates may read the previous version until the entry expires", {
      tenant, ttlSeconds: CACHE_TTL_SECONDS, error: error instanceof Error ? error.message : String(error),
    });
  }
};

export type ConfigChangeRequest = { ifMatch: string | null; by: string };

export const patchConfig = async (env: ConfigEnv, telemetry: Telemetry, tenant: string, request: ConfigChangeRequest & { patch: unknown }) => {
  const outcome = await callDurable("config.patch", () => stubOf(env.CONFIGS, tenant).patch({ tenant }, request), telemetry);
  if (outcome.created) await invalidate(env, telemetry, tenant);
  return { ...outcome, view: configReader(env, telemetry).put(tenant, outcome.stored) };
};

export const rollbackConfig = async (env: ConfigEnv, telemetry: Telemetry, tenant: string, request: ConfigChangeRequest & { version: number }) => {
  const outcome = await callDurable("config.rollback", () => stubOf(env.CONFIGS, tenant).rollback({ tenant }, request), telemetry);
  if (outcome.created) await invalidate(env, telemetry, tenant);
  return { ...outcome, view: configReader(env, telemetry).put(tenant, outcome.stored) };
};

export const configHistory = (env: ConfigEnv, telemetry: Telemetry, tenant: string, query: PaginationQuery) =>
  callDurable("config.history", () => stubOf(env.CONFIGS, tenant).history({ tenant }, query), telemetry);

/** Reads the current version from the store itself, bypassing the copy (GET /v1/config answers the truth and its ETag). */
export const freshConfig = async (env: ConfigEnv, telemetry: Telemetry, tenant: string): Promise<ConfigView> => {
  const stored = await callDurable("config.read", () => stubOf(env.CONFIGS, tenant).read({ tenant }), telemetry);
  return configReader(env, telemetry).put(tenant, stored);
};
