// Supervision in the agent object: what a failed start or health check commits (a
// restart scheduled on the alarm, or escalation to `failed` with an `agent.failed`
// event), and the health checks. The restart itself runs in lifecycle.ts
// (`restartIfDue`); the decisions are src/platform/agent/supervision.ts.
import { type AgentMeta, lastErrorFrom } from "../../src/platform/agent/agent-meta.ts";
import type { AnyAgentDefinition } from "../../src/platform/agent/define-agent.ts";
import { hookContext } from "../../src/platform/agent/context.ts";
import { pendingEvent, type PendingEvent } from "../../src/platform/agent/pending-event.ts";
import { healthOf, onFailure } from "../../src/platform/agent/supervision.ts";
import { problem, type ProblemError } from "../../src/platform/problem.ts";
import { TimeoutError, withTimeout } from "../../src/platform/timeout.ts";
import { errorKind } from "../../src/platform/telemetry/emitter.ts";
import { type AgentCore, armAlarm, commitMeta } from "./core.ts";
import { readAgentConfig } from "./config.ts";

/**
 * Commits the outcome of a failed start (of onStart, or a health check's restart): under
 * `temporary` the agent is failed as before supervision; otherwise a restart is scheduled
 * (status `starting`, an `agent.restarting` event, the alarm armed), or, past the
 * intensity, the agent escalates: `failed`, with an `agent.failed` event.
 */
export const failedStart = (core: AgentCore, definition: AnyAgentDefinition, meta: AgentMeta, error: ProblemError): AgentMeta => {
  const now = core.deps.now();
  const reason = lastErrorFrom(error.problem, now);
  const decision = onFailure(definition.supervision, meta.supervision, reason, now);
  const events: PendingEvent[] = [];
  const data = { reason: { type: reason.type, status: reason.status, detail: reason.detail }, restarts: decision.record.restarts };
  if (decision.kind === "restart") {
    events.push(pendingEvent("agent.restarting", { ...data, attempt: decision.record.recentFailures.length, at: new Date(decision.at).toISOString() }, meta.id, core.deps, 0));
  } else if (decision.kind === "escalate") {
    events.push(pendingEvent("agent.failed", { ...data, maxRestarts: definition.supervision.maxRestarts, withinMs: definition.supervision.withinMs }, meta.id, core.deps, 0));
  }
  const status = decision.kind === "restart" ? "starting" : "failed";
  const committed = commitMeta(
    core,
    { ...meta, status, updatedAt: now, counters: { ...meta.counters, lastError: reason }, supervision: decision.record },
    { events },
  );
  core.deps.telemetry.emit(`agent.supervision.${decision.kind}`, { count: 1 }, { agent_type: meta.type });
  if (decision.kind === "restart") armAlarm(core, decision.at);
  return committed;
};

/** When the alarm is needed for a pending restart. */
export const nextRestartDue = (core: AgentCore): number | null =>
  core.meta?.status === "starting" ? (core.meta.supervision?.nextRestartAt ?? null) : null;

/** When each object instance next checks health (kept in memory: a healthy check writes nothing; a restart of the object checks an interval later). */
const healthAt = new WeakMap<AgentCore, number>();

export const nextHealthDue = (core: AgentCore): number | null => {
  const check = core.guards?.definition.supervision.healthCheck;
  if (!check || core.meta?.status !== "running") return null;
  let at = healthAt.get(core);
  if (at === undefined) healthAt.set(core, (at = core.deps.now() + check.intervalMs));
  return at;
};

/**
 * Runs the health check when it is due. Unhealthy, a throw or a timeout is a failure:
 * the agent is restarted under its policy (calls answer 409 until it runs again).
 */
export const checkHealthIfDue = async (core: AgentCore): Promise<void> => {
  const due = nextHealthDue(core);
  const guards = core.guards;
  if (due === null || due > core.deps.now() || !guards) return;
  const { definition } = guards;
  const check = definition.supervision.healthCheck!;
  healthAt.set(core, core.deps.now() + check.intervalMs);
  const meta = core.meta!;
  const identity = { tenant: meta.tenant, id: meta.id, type: meta.type };
  let unhealthy: string | null = null;
  try {
    const config = await readAgentConfig(core, meta);
    const answer = await withTimeout((signal) => Promise.resolve(definition.hooks.onHealthCheck!(hookContext(identity, core.state, signal, [], core.deps, config))), check.timeoutMs);
    const health = healthOf(answer);
    if (!health.healthy) unhealthy = health.reason;
  } catch (error) {
    unhealthy = `onHealthCheck ${error instanceof TimeoutError ? `timed out after ${check.timeoutMs} ms` : `raised ${errorKind(error)}`}`;
  }
  if (unhealthy === null) return;
  await core.mailbox.run(async () => {
    const now = core.meta;
    if (!now || now.status !== "running") return;
    failedStart(core, definition, now, problem(503, "agent-unhealthy", "The agent's health check failed", `Agent '${now.id}': ${unhealthy}.`));
  });
};
