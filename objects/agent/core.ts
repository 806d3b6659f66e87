// The in-memory side of one agent object: its store, the cached meta and state (the
// object is the only writer, so the cache is the committed truth), and the guards
// built from its definition. Shared by the call and lifecycle modules.
import type { AgentMeta, AgentSummary, AgentView } from "../../src/platform/agent/agent-meta.ts";
import { agentSummary, agentView } from "../../src/platform/agent/agent-meta.ts";
import type { AnyAgentDefinition } from "../../src/platform/agent/define-agent.ts";
import { deepFreeze } from "../../src/platform/deep-freeze.ts";
import { createMailbox, type Mailbox } from "../../src/platform/agent/mailbox.ts";
import type { AgentRegistry } from "../../src/platform/agent/registry.ts";
import type { AgentAddress, CallOutcome } from "../../src/platform/agent/rpc.ts";
import type { RuntimeDeps } from "../../src/platform/agent/runtime-deps.ts";
import { forbidden, notFound, problem } from "../../src/platform/problem.ts";
import { type Bulkhead, createBulkhead } from "../../src/platform/resilience/bulkhead.ts";
import { type CircuitBreaker, createCircuitBreaker, describeBreaker } from "../../src/platform/resilience/circuit-breaker.ts";
import type { AgentStore } from "./store.ts";
import { createLoadWindow, type LoadWindow } from "../../src/platform/discovery/load.ts";
import type { AuditSink } from "../durable/index.ts";
import { checkCapability } from "../../src/platform/security/check.ts";
import type { Caller } from "../../src/platform/security/caller.ts";
import type { ConfigView } from "../../src/platform/config/reader.ts";

/** Reserves and returns a type's declared resources from the tenant's quotas (built in objects/agent/quota.ts). */
export type AgentQuota = {
  /** Reserves the type's declared resources (or nothing); 409 naming the resource past the tenant's quota. */
  reserve(address: AgentAddress, definition: AnyAgentDefinition): Promise<void>;
  /** Returns what the agent holds, if anything; throws when the shard cannot be reached (the record stays for a retry). */
  release(address: AgentAddress): Promise<void>;
};

/** `threshold`: the breaker's, the type's own or the tenant's configured one (objects/agent/config.ts). */
export type Guards = { definition: AnyAgentDefinition; breaker: CircuitBreaker; bulkhead: Bulkhead; threshold: number };

export type AgentCore = {
  store: AgentStore;
  registry: AgentRegistry;
  deps: RuntimeDeps;
  /** Spawn, restore and every action take turns here. */
  mailbox: Mailbox;
  meta: AgentMeta | undefined;
  state: unknown;
  guards: Guards | undefined;
  /** Calls running under an idempotency key, so a concurrent duplicate waits for the first. */
  inFlight: Map<string, { fingerprint: string; outcome: Promise<CallOutcome> }>;
  /** When the pruning alarm is set for, as far as this instance knows. */
  alarmAt: number | null;
  setAlarm: (at: number) => void;
  audit: AuditSink;
  /** Called after events were committed to the outbox, to start draining them. */
  onOutbox: () => void;
  /** Called after a commit changed the agent's status (or created it), to tell the directory. */
  onStatusChange: () => void;
  /** Called after a schedule was added, so the alarm covers its due time (objects/agent/schedules.ts). */
  onSchedules: () => void;
  /** Called after a commit changed the state (its new version and JSON), to tell live sockets (objects/agent/live.ts). */
  onStateCommit?: (meta: AgentMeta, stateJson: string) => void;
  /** The last calls' outcomes and durations, for the load the agent reports to the directory. */
  load: LoadWindow;
  /** The tenant's configuration as this object last applied it (objects/agent/config.ts). */
  seenConfig?: ConfigView;
  /** Reserves and returns the type's declared resources from the tenant's quotas (objects/agent/quota.ts). */
  quota?: AgentQuota;
};

const breakerOptions = (definition: AnyAgentDefinition) => ({
  threshold: definition.resilience.circuitBreaker.threshold,
  resetTimeoutMs: definition.resilience.circuitBreaker.resetTimeout,
  halfOpenMaxCalls: definition.resilience.circuitBreaker.halfOpenMaxCalls,
});

export const guardsFor = (definition: AnyAgentDefinition, meta: AgentMeta, now: () => number): Guards => ({
  definition,
  breaker: createCircuitBreaker(breakerOptions(definition), { now }, meta.breaker),
  bulkhead: createBulkhead(definition.resilience.bulkhead),
  threshold: definition.resilience.circuitBreaker.threshold,
});

export const createCore = (
  store: AgentStore,
  registry: AgentRegistry,
  deps: RuntimeDeps,
  setAlarm: (at: number) => void,
  audit: AuditSink,
): AgentCore => ({
  store,
  registry,
  deps,
  audit,
  onOutbox: () => undefined,
  onStatusChange: () => undefined,
  onSchedules: () => undefined,
  load: createLoadWindow(),
  mailbox: createMailbox(),
  meta: undefined,
  state: undefined,
  guards: undefined,
  inFlight: new Map(),
  alarmAt: null,
  setAlarm,
});

/** Loads meta and state from storage: what the object is after a restart. */
export const loadCore = (core: AgentCore): void => {
  const meta = core.store.readMeta();
  core.meta = meta;
  core.guards = undefined;
  if (!meta) return;
  core.state = deepFreeze(JSON.parse(core.store.readStateJson()));
  const definition = core.registry.get(meta.type);
  if (definition) core.guards = guardsFor(definition, meta, core.deps.now);
};

/** The agent's meta, or 404 when this object holds no agent at that address. */
export const requireAgent = (core: AgentCore, address: AgentAddress): AgentMeta => {
  const meta = core.meta;
  if (!meta || meta.tenant !== address.tenant || meta.id !== address.id) throw notFound("Agent", address.id);
  return meta;
};

/** The guards of the agent's type, or 409 when this deployment no longer hosts it. */
export const requireGuards = (core: AgentCore, meta: AgentMeta): Guards => {
  if (!core.guards) {
    throw problem(409, "agent-type-unavailable", "Agent type not deployed", `Agent type '${meta.type}' is not part of this deployment.`);
  }
  return core.guards;
};

export const commitMeta = (core: AgentCore, meta: AgentMeta, extra: Omit<Parameters<AgentStore["commit"]>[0], "meta"> = {}): AgentMeta => {
  const before = core.meta?.status;
  const committed = core.store.commit({ ...extra, meta });
  core.meta = committed;
  if (extra.stateJson !== undefined) core.onStateCommit?.(committed, extra.stateJson);
  if (extra.events?.length) core.onOutbox();
  if (before !== committed.status) core.onStatusChange();
  return committed;
};

export const viewOf = (core: AgentCore, meta: AgentMeta): AgentView => {
  const guards = core.guards;
  const breaker = guards
    ? describeBreaker(guards.breaker.snapshot(), core.deps.now(), breakerOptions(guards.definition))
    : { state: meta.breaker.state, failures: meta.breaker.failures, retryAfterMs: null };
  return agentView(meta, core.state, breaker, core.store.outboxPending(), guards?.definition.supervision.restart);
};

/**
 * The agent as `caller` may see it: the full view (state included) with agents:read:<type>,
 * else its id and status only. An answer never shows more than the caller could read.
 */
export const visibleView = (core: AgentCore, caller: Caller, meta: AgentMeta): AgentView | AgentSummary =>
  checkCapability(caller.grants, agentCapability("read", meta.type), {}, core.deps.now()).ok ? viewOf(core, meta) : agentSummary(meta);

/** Arms the pruning alarm for `at` unless an earlier one is already set. */
export const armAlarm = (core: AgentCore, at: number): void => {
  if (core.alarmAt !== null && core.alarmAt <= at) return;
  core.alarmAt = at;
  core.setAlarm(at);
};

/** The agent capability an operation needs, e.g. `agents:call:counter.increment`. */
export const agentCapability = (verb: "spawn" | "read" | "call" | "manage" | "checkpoint" | "restore" | "grant" | "schedule", type: string, action?: string): string =>
  `agents:${verb}:${type}${action === undefined ? "" : `.${action}`}`;

/** Passes, or records the denial on the audit stream and answers 403 naming the capability. */
export const authorize = async (
  core: AgentCore,
  caller: Caller,
  capability: string,
  resource: string,
  context: Record<string, unknown> = {},
): Promise<void> => {
  const now = core.deps.now();
  const outcome = checkCapability(caller.grants, capability, context, now);
  if (outcome.ok) return;
  await deny(core, caller, capability, outcome.reason, resource);
};

/** Records a denial on the audit stream, then answers 403 naming the capability. */
export const deny = async (core: AgentCore, caller: Caller, capability: string, reason: string, resource: string): Promise<never> => {
  await core.audit({ caller, capability, reason, resource, at: core.deps.now() });
  throw forbidden(capability, reason);
};

export const agentResource = (meta: { type: string; id: string }): string => `agent/${meta.type}/${meta.id}`;

/** The agent at `address`, after checking the caller may `verb` it. */
export const requireAuthorized = async (
  core: AgentCore,
  address: AgentAddress,
  caller: Caller,
  verb: "read" | "manage" | "checkpoint" | "grant",
): Promise<AgentMeta> => {
  const meta = requireAgent(core, address);
  await authorize(core, caller, agentCapability(verb, meta.type), agentResource(meta));
  return requireAgent(core, address);
};
