// Builds the context an action or lifecycle hook sees. Events it emits are collected
// in `events` and committed by the object only if the whole step succeeds.
import type { HookContext } from "./define-agent.ts";
import { type PendingEvent, pendingEvent } from "./pending-event.ts";
import type { AgentIdentity, RuntimeDeps } from "./runtime-deps.ts";
import { type AgentConfig, configOf, flagsOf } from "./agent-config.ts";
import type { CacheAccess } from "../cache/access.ts";
import { ActionError } from "./action-error.ts";

const unsupported = (): never => {
  throw new ActionError("unsupported", "This host has no cache.");
};
const noCache: CacheAccess = { get: async () => unsupported(), put: async () => unsupported(), delete: async () => unsupported() };

export const hookContext = <S>(
  agent: AgentIdentity,
  state: S,
  signal: AbortSignal,
  events: PendingEvent[],
  deps: RuntimeDeps,
  config?: AgentConfig,
): HookContext<S> => ({
  state,
  agentId: agent.id,
  agentType: agent.type,
  tenant: agent.tenant,
  signal,
  config: configOf(config),
  flags: flagsOf(config, agent),
  log: deps.log,
  now: deps.now,
  cache: deps.cache ? deps.cache(agent.tenant) : noCache,
  emit: (type, data, options) => {
    events.push(pendingEvent(type, data, options?.subject, deps, events.length));
  },
});
