// How an agent object applies its tenant's configuration: read through the isolate's
// staleness-bounded reader before each action (and lifecycle hook), the breaker threshold
// and queue cap taken from it, and `onConfigChange` run (inside the mailbox, before the
// action) when the version differs from the one the object saw last. The object starts
// with no version seen: changes made while it was not in memory reach it as its first read,
// without the hook (its onStart or first action already sees them).
import { type AgentConfig, type ConfigChangeNotice } from "../../src/platform/agent/agent-config.ts";
import type { AgentMeta } from "../../src/platform/agent/agent-meta.ts";
import { runHook } from "../../src/platform/agent/hooks.ts";
import { changedPaths } from "../../src/platform/config/merge-patch.ts";
import { problem, ProblemError } from "../../src/platform/problem.ts";
import { createCircuitBreaker } from "../../src/platform/resilience/circuit-breaker.ts";
import { type AgentCore, commitMeta, type Guards } from "./core.ts";

/** The configuration for this agent, or undefined (built-in defaults) when none has ever been readable here. */
export const readAgentConfig = async (core: AgentCore, meta: AgentMeta): Promise<AgentConfig | undefined> => {
  if (!core.deps.readConfig) return undefined;
  try {
    const view = await core.deps.readConfig(meta.tenant);
    return { view, labels: meta.labels ?? {} };
  } catch (error) {
    core.deps.log.warn("configuration unreadable; the last one seen applies", { error: error instanceof Error ? error.message : String(error) });
    return core.seenConfig ? { view: core.seenConfig, labels: meta.labels ?? {} } : undefined;
  }
};

/** Refuses a call that would wait beyond the configured queue size (the type's own bulkhead still applies). */
export const checkQueue = (guards: Guards, config: AgentConfig | undefined): void => {
  const maxQueue = config?.view.config.agents.maxQueueSize;
  if (maxQueue === null || maxQueue === undefined) return;
  const stats = guards.bulkhead.stats();
  if (stats.active >= stats.maxConcurrent && stats.queued >= maxQueue) {
    throw problem(429, "bulkhead-full", "Too many concurrent calls", `The agent accepts ${stats.maxConcurrent} concurrent calls and ${maxQueue} waiting (agents.maxQueueSize).`, {
      retryAfter: 1,
    });
  }
};

/** Rebuilds the breaker when the configured threshold changed, keeping its state. Call inside the mailbox. */
export const applyBreakerThreshold = (core: AgentCore, guards: Guards, config: AgentConfig | undefined): void => {
  const own = guards.definition.resilience.circuitBreaker;
  const threshold = config?.view.config.infrastructure.circuitBreakerThreshold ?? own.threshold;
  if (threshold === guards.threshold) return;
  guards.breaker = createCircuitBreaker({ threshold, resetTimeoutMs: own.resetTimeout, halfOpenMaxCalls: own.halfOpenMaxCalls }, { now: core.deps.now }, guards.breaker.snapshot());
  guards.threshold = threshold;
};

/** Runs onConfigChange when the version moved since the object last saw one; commits what it returns. Call inside the mailbox. */
export const noticeConfigChange = async (core: AgentCore, guards: Guards, meta: AgentMeta, config: AgentConfig | undefined): Promise<void> => {
  if (!config) return;
  const seen = core.seenConfig;
  core.seenConfig = config.view;
  if (!seen || seen.version === config.view.version || !guards.definition.hooks.onConfigChange) return;
  const change: ConfigChangeNotice = { version: config.view.version, previousVersion: seen.version, changed: changedPaths(seen.config, config.view.config) };
  const identity = { tenant: meta.tenant, id: meta.id, type: meta.type };
  try {
    const hook = await runHook("onConfigChange", guards.definition, identity, core.state, guards.definition.lifecycle.startupTimeout, core.deps, config, change);
    if (!hook.stateJson && hook.events.length === 0) return;
    const current = core.meta ?? meta;
    commitMeta(
      core,
      { ...current, updatedAt: core.deps.now(), stateVersion: current.stateVersion + (hook.stateJson ? 1 : 0) },
      { ...(hook.stateJson ? { stateJson: hook.stateJson } : {}), events: hook.events },
    );
    core.state = hook.state;
  } catch (error) {
    if (!(error instanceof ProblemError)) throw error;
    core.deps.log.warn("onConfigChange failed; the action runs all the same", { agent_type: meta.type, detail: error.problem.detail ?? "" });
  }
};
