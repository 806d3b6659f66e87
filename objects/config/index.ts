// The config family: one ConfigStore per tenant (versions of its settings, history,
// rollback, the config.changed outbox), and the isolate's staleness-bounded reader.
export { type ConfigAddress, ConfigStore, type ConfigVersion, type ConfigWrite } from "./config-store.ts";
export { configHistory, configReader, freshConfig, patchConfig, readConfig, rollbackConfig } from "./config-reader.ts";
import type { TypedStub } from "../durable/index.ts";
import type { ConfigStore } from "./config-store.ts";

/** A tenant's configuration object as the Worker calls it. */
export type ConfigStoreStub = TypedStub<ConfigStore>;
