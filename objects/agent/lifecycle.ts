// Lifecycle of an agent object: spawn (idempotent; never over another agent), start
// with onStart (at spawn and restore, and again for a stopped or failed agent on its
// kept state), pause and resume, graceful stop with onTerminate, and deletion. Each
// transition is committed before it is answered; `recoverInterrupted` finishes what a
// crash cut short.
import { type AgentMeta, type AgentOrigin, type AgentStatus, type AgentSummary, type AgentView, lastErrorFrom } from "../../src/platform/agent/agent-meta.ts";
import type { AnyAgentDefinition } from "../../src/platform/agent/define-agent.ts";
import { deepFreeze } from "../../src/platform/deep-freeze.ts";
import type { Labels } from "../../src/platform/discovery/labels.ts";
import { type Placement, placementOf } from "../../src/platform/discovery/placement.ts";
import { readAgentConfig } from "./config.ts";
import { runHook } from "../../src/platform/agent/hooks.ts";
import type { IdempotencyRecord } from "../../src/platform/agent/idempotency.ts";
import { checkTransition } from "../../src/platform/agent/lifecycle.ts";
import type { PendingEvent } from "../../src/platform/agent/pending-event.ts";
import type { AgentAddress, SpawnOutcome, SpawnRequest } from "../../src/platform/agent/rpc.ts";
import { conflict, notFound, problem, ProblemError } from "../../src/platform/problem.ts";
import { CLOSED_BREAKER } from "../../src/platform/resilience/circuit-breaker.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import type { Caller } from "../../src/platform/security/caller.ts";
import { restartBegun } from "../../src/platform/agent/supervision.ts";
import { failedStart } from "./supervision.ts";
import {
  type AgentCore,
  agentCapability,
  agentResource,
  authorize,
  commitMeta,
  guardsFor,
  requireAgent,
  requireAuthorized,
  requireGuards,
  viewOf,
  visibleView,
} from "./core.ts";

/** What a new agent starts from: spawned fresh, or restored from a checkpoint. */
export type Genesis = {
  state: unknown;
  status: AgentStatus;
  origin: AgentOrigin;
  createdAt?: number;
  stateVersion?: number;
  counters?: { calls: number; failures: number };
  outbox?: readonly PendingEvent[];
  idempotency?: readonly IdempotencyRecord[];
  labels?: Labels;
  placement?: Placement;
};

/**
 * Spawns the agent, or answers the one there (200) when it has this type. Never over an
 * agent that exists otherwise: another type, or one that failed to start (its state,
 * grants and idempotency records are its own; `start` retries it, DELETE clears it), is
 * a conflict. The answer shows the state only to a caller who may read the agent.
 */
export const spawnAgent = async (core: AgentCore, address: AgentAddress, caller: Caller, request: SpawnRequest): Promise<SpawnOutcome<AgentView | AgentSummary>> => {
  const definition = core.registry.get(request.type);
  if (!definition) throw notFound("Agent type", request.type);
  await authorize(core, caller, agentCapability("spawn", definition.name), agentResource({ type: definition.name, id: address.id }), { id: address.id });
  return core.mailbox.run(async () => {
    const existing = core.meta;
    if (existing) {
      if (existing.type !== request.type) {
        throw conflict(`Agent '${address.id}' already exists with type '${existing.type}'.`, { agentType: existing.type });
      }
      if (existing.status === "failed" || existing.status === "starting") {
        throw conflict(
          `Agent '${address.id}' already exists and ${existing.status === "failed" ? "failed to start" : "is starting"}: start it again (POST /v1/agents/${address.id}/start), or delete it before spawning it afresh.`,
          { agentStatus: existing.status },
        );
      }
      return { created: false, agent: visibleView(core, caller, existing) };
    }
    const state = request.state === undefined ? definition.initialState : parseOrProblem(definition.stateSchema, request.state, "state");
    const meta = await createAgent(core, address, definition, {
      state,
      status: "running",
      origin: { kind: "spawn" },
      labels: request.labels ?? {},
      placement: placementOf(request.placement),
    });
    return { created: true, agent: visibleView(core, caller, meta) };
  });
};

/** Writes a new agent, then runs onStart when it is to be live (running or paused). Runs inside the mailbox. */
export const createAgent = async (core: AgentCore, address: AgentAddress, definition: AnyAgentDefinition, genesis: Genesis): Promise<AgentMeta> => {
  const settle = genesis.status === "running" || genesis.status === "paused" ? genesis.status : null;
  if (settle !== null) await core.quota?.reserve(address, definition);
  const now = core.deps.now();
  // "starting" is committed first so that a crash during onStart is found on restart; a
  // type without onStart has nothing to interrupt, and is written settled in one commit.
  const starting = settle !== null && definition.hooks.onStart !== undefined;
  const initial: AgentMeta = {
    tenant: address.tenant,
    id: address.id,
    type: definition.name,
    version: definition.version,
    status: starting ? "starting" : genesis.status,
    createdAt: genesis.createdAt ?? now,
    updatedAt: now,
    stateVersion: genesis.stateVersion ?? 0,
    stateChunks: core.meta?.stateChunks ?? 0,
    counters: { ...(genesis.counters ?? { calls: 0, failures: 0 }), lastError: null },
    breaker: CLOSED_BREAKER,
    origin: genesis.origin,
    ...(genesis.labels === undefined ? {} : { labels: genesis.labels }),
    ...(genesis.placement === undefined ? {} : { placement: genesis.placement }),
  };
  core.state = deepFreeze(genesis.state);
  const meta = commitMeta(core, initial, {
    stateJson: JSON.stringify(genesis.state),
    events: genesis.outbox ?? [],
    idempotency: genesis.idempotency ?? [],
  });
  core.guards = guardsFor(definition, meta, core.deps.now);
  return starting && settle ? start(core, definition, meta, settle) : meta;
};

/** Runs onStart on the current state and settles in `settle`, or in `failed` (answering the hook's problem). */
const start = async (core: AgentCore, definition: AnyAgentDefinition, meta: AgentMeta, settle: "running" | "paused"): Promise<AgentMeta> => {
  const identity = { tenant: meta.tenant, id: meta.id, type: meta.type };
  try {
    const config = await readAgentConfig(core, meta);
    const hook = await runHook("onStart", definition, identity, core.state, definition.lifecycle.startupTimeout, core.deps, config);
    const next = commitMeta(
      core,
      { ...meta, status: settle, updatedAt: core.deps.now(), stateVersion: meta.stateVersion + (hook.stateJson ? 1 : 0) },
      { ...(hook.stateJson ? { stateJson: hook.stateJson } : {}), events: hook.events },
    );
    core.state = hook.state;
    return next;
  } catch (error) {
    if (error instanceof ProblemError) {
      // Under a restart policy the failure schedules a restart (answered as `starting`); else, or past the intensity, failed.
      const settled = failedStart(core, definition, meta, error);
      if (settled.status === "starting") return settled;
    }
    throw error;
  }
};

/**
 * The supervisor's restart, on the alarm: onStart runs again on the last committed state.
 * The restart is counted (and committed) before the hook runs, so a crash during it is
 * found by `recoverInterrupted` and counts as one more failure.
 */
export const restartIfDue = async (core: AgentCore): Promise<void> => {
  const due = core.meta?.status === "starting" ? core.meta.supervision?.nextRestartAt : null;
  if (due === null || due === undefined || due > core.deps.now() || !core.guards) return;
  await core.mailbox.run(async () => {
    const meta = core.meta;
    const record = meta?.supervision;
    if (!meta || meta.status !== "starting" || !record || record.nextRestartAt === null || !core.guards) return;
    const begun = commitMeta(core, { ...meta, updatedAt: core.deps.now(), supervision: restartBegun(record, core.deps.now()) });
    try {
      await start(core, core.guards.definition, begun, "running");
    } catch (error) {
      // Escalated (or not a problem at all): the committed status says which; nothing more to do here.
      if (!(error instanceof ProblemError)) throw error;
    }
  });
};

/**
 * Starts a stopped (or failed) agent again: onStart runs on the state it kept, as at
 * spawn, and the agent is running (or failed, answering why). Starting a running agent
 * is done already (200, no hook runs).
 */
export const startAgent = async (core: AgentCore, address: AgentAddress, caller: Caller): Promise<AgentView> => {
  await requireAuthorized(core, address, caller, "manage");
  return core.mailbox.run(async () => {
    const meta = requireAgent(core, address);
    if (checkTransition("start", address.id, meta.status) === "noop") return viewOf(core, meta);
    const { definition } = requireGuards(core, meta);
    await core.quota?.reserve(address, definition);
    // Committed first, so a crash during onStart is found and reported as failed on restart.
    const starting = commitMeta(core, { ...meta, status: "starting", updatedAt: core.deps.now() });
    return viewOf(core, await start(core, definition, starting, "running"));
  });
};

export const setPaused = async (core: AgentCore, address: AgentAddress, caller: Caller, paused: boolean): Promise<AgentView> => {
  const meta = await requireAuthorized(core, address, caller, "manage");
  if (checkTransition(paused ? "pause" : "resume", address.id, meta.status) === "noop") return viewOf(core, meta);
  return viewOf(core, commitMeta(core, { ...meta, status: paused ? "paused" : "running", updatedAt: core.deps.now() }));
};

/** Graceful stop: refuse new calls, let the running one finish, run onTerminate, all within the grace period. */
export const stopAgent = async (core: AgentCore, address: AgentAddress, caller: Caller): Promise<AgentView> => {
  const meta = await requireAuthorized(core, address, caller, "manage");
  if (checkTransition("stop", address.id, meta.status) === "noop") return viewOf(core, meta);
  const deadline = core.deps.now() + (core.guards?.definition.lifecycle.shutdownGracePeriod ?? 0);
  let stopping = commitMeta(core, { ...meta, status: "stopping", updatedAt: core.deps.now() });
  const guards = core.guards;
  let events: PendingEvent[] = [];
  if (guards) {
    await Promise.race([guards.bulkhead.idle(), core.deps.sleep(Math.max(0, deadline - core.deps.now()))]);
    stopping = core.meta ?? stopping;
    try {
      const identity = { tenant: meta.tenant, id: meta.id, type: meta.type };
      const config = await readAgentConfig(core, stopping);
      events = (await runHook("onTerminate", guards.definition, identity, core.state, deadline - core.deps.now(), core.deps, config)).events;
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      stopping = { ...stopping, counters: { ...stopping.counters, lastError: lastErrorFrom(error.problem, core.deps.now()) } };
    }
  }
  const stopped = commitMeta(core, { ...stopping, status: "stopped", updatedAt: core.deps.now() }, { events });
  // A release that fails leaves the record: a delete (or the next stop after a start) returns it.
  await core.quota?.release(address).catch((error: unknown) => core.deps.log.warn("quota release failed", { error: error instanceof Error ? error.message : String(error) }));
  return viewOf(core, stopped);
};

/** How long, and how many times, a deletion tries to drain the outbox before refusing. */
export const DESTROY_DRAIN = { withinMs: 3_000, attempts: 5, firstDelayMs: 100 };

/** Drains until empty, within the bounds of DESTROY_DRAIN; a drain still under way at the deadline goes on alone. */
const drainedWithin = async (core: AgentCore, drain: () => Promise<boolean>): Promise<boolean> => {
  const deadline = core.deps.now() + DESTROY_DRAIN.withinMs;
  for (let attempt = 0; attempt < DESTROY_DRAIN.attempts; attempt++) {
    if (core.store.outboxPending() === 0) return true;
    const left = deadline - core.deps.now();
    if (left <= 0) return false;
    if (await Promise.race([drain(), core.deps.sleep(left).then(() => false)])) return true;
    await core.deps.sleep(Math.min(DESTROY_DRAIN.firstDelayMs * 2 ** attempt, Math.max(0, deadline - core.deps.now())));
  }
  return core.store.outboxPending() === 0;
};

/**
 * Stops the agent if needed, appends the events it still holds (onTerminate's among
 * them) to their streams, then deletes all of its storage. When they cannot all be
 * appended in time it deletes nothing and answers 503: the agent stays stopped with its
 * outbox (the alarm keeps draining it), and a retry deletes it.
 */
export const destroyAgent = async (core: AgentCore, address: AgentAddress, caller: Caller, drain: () => Promise<boolean>): Promise<void> => {
  const meta = await requireAuthorized(core, address, caller, "manage");
  if (meta.status !== "stopped" && meta.status !== "stopping") await stopAgent(core, address, caller);
  if (!(await drainedWithin(core, drain))) {
    throw problem(
      503,
      "outbox-not-drained",
      "The agent's events are not appended yet",
      `Agent '${address.id}' is stopped, but ${core.store.outboxPending()} of its events could not be appended to their streams yet; nothing was deleted. Try again.`,
      { retryAfter: 1 },
    );
  }
  // Returned before the storage that records it goes: a shard out of reach answers 503 and deletes nothing.
  await core.quota?.release(address);
  await core.store.deleteAll();
  core.meta = undefined;
  core.state = undefined;
  core.guards = undefined;
  core.alarmAt = null;
};

const interruptedStart = (): ProblemError =>
  problem(500, "agent-start-interrupted", "The agent's start was interrupted", "The start was interrupted by a restart of its object.");

/**
 * After a restart: a stop that was under way is finished (its grace period has passed
 * with the process), and a start that was under way is reported as failed, so that
 * `start` retries it.
 */
export const recoverInterrupted = (core: AgentCore): void => {
  const meta = core.meta;
  if (!meta || (meta.status !== "stopping" && meta.status !== "starting")) return;
  const definition = core.guards?.definition;
  if (meta.status === "starting" && definition && definition.supervision.restart !== "temporary") {
    // Supervised: a pending restart stays pending (the alarm is re-armed for it); an
    // interrupted start is a failure like any other, restarted under the policy.
    if (meta.supervision?.nextRestartAt == null) failedStart(core, definition, meta, interruptedStart());
    return;
  }
  const now = core.deps.now();
  const status = meta.status === "stopping" ? "stopped" : "failed";
  const lastError =
    status === "failed"
      ? { at: now, type: "https://jido.dev/problems/agent-start-interrupted", status: 500, detail: "The start was interrupted by a restart; start the agent again." }
      : meta.counters.lastError;
  commitMeta(core, { ...meta, status, updatedAt: now, counters: { ...meta.counters, lastError } });
};
