// The objects-side loader of configuration: one reader per isolate (shared by the Worker
// and every object in it), loading from the tenant's ConfigStore at most every
// CONFIG_MAX_STALENESS_MS per tenant. The one place to route reads through a tiered
// cache later. Writes go through here too, so the isolate that made a change sees it at once.
import { configObjectName } from "../../src/platform/config/document.ts";
import { type ConfigReader, type ConfigView, createConfigReader } from "../../src/platform/config/reader.ts";
import { type ConfigVars, configDefaults } from "../../src/platform/config/schema.ts";
import { callDurable } from "../../src/platform/durable-call.ts";
import type { PaginationQuery } from "../../src/platform/pagination.ts";
import { createTelemetry, type Telemetry } from "../../src/platform/telemetry/emitter.ts";
import { createLogger } from "../../src/platform/telemetry/logger.ts";
import { typedStub } from "../durable/index.ts";

type ConfigEnv = ConfigVars & { CONFIGS: Env["CONFIGS"] };

const log = createLogger({ base: { component: "config" } });
const readers = new WeakMap<object, ConfigReader>();

const stubOf = (namespace: Env["CONFIGS"], tenant: string) => typedStub(namespace.get(namespace.idFromName(configObjectName(tenant))));

/** The isolate's reader for this environment (one per env object, so tests with their own env get their own). */
export const configReader = (env: ConfigEnv, telemetry: Telemetry = createTelemetry()): ConfigReader => {
  let reader = readers.get(env.CONFIGS);
  if (!reader) {
    reader = createConfigReader({
      load: (tenant) => callDurable("config.read", () => stubOf(env.CONFIGS, tenant).read({ tenant }), telemetry),
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

export type ConfigChangeRequest = { ifMatch: string | null; by: string };

export const patchConfig = async (env: ConfigEnv, telemetry: Telemetry, tenant: string, request: ConfigChangeRequest & { patch: unknown }) => {
  const outcome = await callDurable("config.patch", () => stubOf(env.CONFIGS, tenant).patch({ tenant }, request), telemetry);
  return { ...outcome, view: configReader(env, telemetry).put(tenant, outcome.stored) };
};

export const rollbackConfig = async (env: ConfigEnv, telemetry: Telemetry, tenant: string, request: ConfigChangeRequest & { version: number }) => {
  const outcome = await callDurable("config.rollback", () => stubOf(env.CONFIGS, tenant).rollback({ tenant }, request), telemetry);
  return { ...outcome, view: configReader(env, telemetry).put(tenant, outcome.stored) };
};

export const configHistory = (env: ConfigEnv, telemetry: Telemetry, tenant: string, query: PaginationQuery) =>
  callDurable("config.history", () => stubOf(env.CONFIGS, tenant).history({ tenant }, query), telemetry);

/** Reads the current version from the store itself, bypassing the copy (GET /v1/config answers the truth and its ETag). */
export const freshConfig = async (env: ConfigEnv, telemetry: Telemetry, tenant: string): Promise<ConfigView> => {
  const stored = await callDurable("config.read", () => stubOf(env.CONFIGS, tenant).read({ tenant }), telemetry);
  return configReader(env, telemetry).put(tenant, stored);
};
