// What an agent's code sees of its tenant's configuration: `ctx.config` (the effective
// configuration, frozen) and `ctx.flags` (flags evaluated against it, with the agent's
// attributes as context). Where no configuration reaches the runtime (unit tests, a host
// without a store) it is the built-in defaults at version 0.
import type { Labels } from "../discovery/labels.ts";
import { type ConfigView, configView } from "../config/reader.ts";
import { type Config, configDefaults } from "../config/schema.ts";
import { createFlagClient, type FlagClient } from "../flags/flag-client.ts";
import type { AgentIdentity } from "./runtime-deps.ts";

export type AgentConfig = { view: ConfigView; labels: Labels };

/** What `onConfigChange` is told: the version the agent saw before, the new one, and the paths that changed. */
export type ConfigChangeNotice = { version: number; previousVersion: number; changed: string[] };

let builtin: ConfigView | undefined;
export const defaultConfigView = (): ConfigView => (builtin ??= configView({ version: 0, settings: {}, updatedAt: null }, configDefaults({})));

export const configOf = (config: AgentConfig | undefined): Config => (config?.view ?? defaultConfigView()).config;

export const flagsOf = (config: AgentConfig | undefined, agent: AgentIdentity): FlagClient =>
  createFlagClient(configOf(config).flags, {
    targetingKey: agent.id,
    tenant: agent.tenant,
    agentType: agent.type,
    agentId: agent.id,
    labels: config?.labels ?? {},
  });
