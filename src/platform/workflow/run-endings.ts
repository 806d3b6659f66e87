// How a run winds down: deadlines and retries coming due, a step's error (retry or fail),
// the on_timeout handler, compensation in reverse order, and the final status. The
// interpreter's `drive` calls these once the flow has been evaluated.
import { type AgentCallProblem, timeoutProblem } from "./errors.ts";
import { rebindRole } from "./binding.ts";
import { isStep } from "./definition.ts";
import { resolveTemplate } from "./references.ts";
import { retryDelay, retryPlan } from "./step-retry.ts";
import type { CompensationRecord, RunState, RunStatus } from "./run-state.ts";
import { contextOf, emit, fail, nodesByName, setStep, type Work } from "./run-work.ts";

export const anyInFlight = (state: RunState): boolean =>
  Object.values(state.steps).some((s) => s.status === "running" || s.compensation?.status === "running") || state.onTimeout?.status === "running";

const finalStatus = (state: RunState): RunStatus => {
  const compensations = Object.values(state.steps).map((s) => s.compensation).filter((c): c is CompensationRecord => c !== null);
  if (compensations.some((c) => c.status === "failed")) return "failed";
  const outcome = state.failure?.outcome ?? "failed";
  if (outcome === "failed") return compensations.length > 0 ? "compensated" : "failed";
  return outcome;
};

export const finish = (work: Work, status: RunStatus): void => {
  for (const record of Object.values(work.state.steps)) {
    if (record.status === "pending") setStep(work, record.name, { status: "skipped", retryAt: null });
  }
  work.state = { ...work.state, status };
  emit(work, `workflow.run.${status}`, work.state.failure ? { error: work.state.failure.type, detail: work.state.failure.detail, step: work.state.failure.step } : {});
};

export const compensate = (work: Work): void => {
  const nodes = nodesByName(work.definition);
  for (const name of [...work.state.compensable].reverse()) {
    const record = work.state.steps[name]!;
    const node = nodes.get(name);
    if (!node || !isStep(node) || !node.compensation || record.agent === null) continue;
    const compensation = record.compensation ?? { status: "pending", attempts: 0, error: null };
    if (compensation.status === "completed" || compensation.status === "failed") continue;
    if (compensation.status === "running") return;
    setStep(work, name, { compensation: { ...compensation, status: "running", attempts: compensation.attempts + 1 } });
    emit(work, "workflow.step.compensating", { step: name, action: node.compensation, agent: record.agent });
    work.effects.push({
      kind: "compensate",
      step: name,
      agent: record.agent,
      action: node.compensation,
      input: { step: name, output: record.output ?? null, input: resolveTemplate(node.input, contextOf(work.state)) },
      key: `wf:${work.state.id}:${name}:compensate`,
    });
    return;
  }
  finish(work, finalStatus(work.state));
};

export const runOnTimeout = (work: Work): boolean => {
  const rule = work.definition.error_handling.on_timeout;
  if (!rule || work.state.failure?.outcome !== "timed_out") return false;
  if (work.state.onTimeout?.status === "completed" || work.state.onTimeout?.status === "failed") return false;
  if (work.state.onTimeout?.status === "running") return true;
  const agent = (work.state.bindings[rule.role] ?? [])[0];
  if (!agent) return false;
  work.state = { ...work.state, onTimeout: { status: "running", attempts: (work.state.onTimeout?.attempts ?? 0) + 1, error: null } };
  emit(work, "workflow.on_timeout.started", { action: rule.action, agent });
  work.effects.push({ kind: "on_timeout", agent, action: rule.action, input: resolveTemplate(rule.input, contextOf(work.state)), key: `wf:${work.state.id}:on_timeout` });
  return true;
};

/** Applies deadlines: steps and awaits past theirs time out, retries that are due become pending. */
export const applyTimers = (work: Work): void => {
  const state = work.state;
  if (state.status === "running" && state.deadline !== null && state.deadline <= work.now) {
    fail(work, { step: null, type: "timeout", detail: "the run did not finish within its timeout", outcome: "timed_out" });
  }
  for (const name of Object.keys(work.state.steps)) {
    // Read afresh: a timeout handled earlier in this loop may have closed other awaits.
    const record = work.state.steps[name]!;
    if ((record.status === "running" || record.status === "waiting") && record.deadline !== null && record.deadline <= work.now) {
      const error = timeoutProblem(record.kind === "await" ? `await '${record.name}'` : `step '${record.name}'`, record.deadline - (record.startedAt ?? record.deadline));
      if (record.kind === "step") handleStepError(work, record.name, error, true);
      else {
        setStep(work, record.name, { status: "timed_out", finishedAt: work.now, error });
        emit(work, "workflow.step.timed_out", { step: record.name });
        fail(work, { step: record.name, type: "timeout", detail: error.detail, outcome: "timed_out" });
      }
    }
  }
};

/**
 * Before a retry: when the agent proved it did not execute the call (`unexecuted`), the
 * step's role moves from it to its best spare, recorded and announced. Otherwise (or
 * with no spare left) the retry goes to the same agent, under the same key.
 */
const rebindForRetry = (work: Work, name: string, role: string, unexecuted: string | null): void => {
  const from = work.state.steps[name]?.agent;
  const binding = work.state.roles?.[role];
  if (unexecuted === null || !from || !binding) return;
  const rebound = rebindRole(work.state.bindings[role] ?? [], binding, from);
  if (!rebound) return;
  const record = { step: name, role, from, to: rebound.to.id, reason: unexecuted, attempt: work.state.steps[name]!.attempts, at: work.now };
  work.state = {
    ...work.state,
    bindings: { ...work.state.bindings, [role]: rebound.bindings },
    roles: { ...work.state.roles, [role]: rebound.binding },
    rebinds: [...(work.state.rebinds ?? []), record],
  };
  emit(work, "workflow.step.rebound", { step: name, role, from, to: rebound.to.id, reason: unexecuted, attempt: record.attempt, score: rebound.to.score });
};

export const handleStepError = (work: Work, name: string, error: AgentCallProblem, timedOut: boolean, unexecuted: string | null = null): void => {
  const node = nodesByName(work.definition).get(name);
  const record = work.state.steps[name]!;
  const plan = retryPlan(work.definition, node && isStep(node) ? node : undefined, error.type);
  if (plan !== null && plan !== "compensate" && record.attempts <= plan.retries && work.state.failure === null) {
    const retryAt = work.now + retryDelay(plan, record.attempts, work.random);
    setStep(work, name, { status: "pending", retryAt, deadline: null, error });
    emit(work, "workflow.step.retrying", { step: name, attempt: record.attempts, error: error.type, at: new Date(retryAt).toISOString() });
    if (node && isStep(node) && !timedOut) rebindForRetry(work, name, node.role, unexecuted);
    return;
  }
  setStep(work, name, { status: timedOut ? "timed_out" : "failed", finishedAt: work.now, deadline: null, error });
  // A step that timed out may still have had its effect: it is compensated too.
  if (timedOut && node && isStep(node) && node.compensation) work.state = { ...work.state, compensable: [...work.state.compensable, name] };
  emit(work, timedOut ? "workflow.step.timed_out" : "workflow.step.failed", { step: name, error: error.type, detail: error.detail });
  fail(work, { step: name, type: error.type, detail: error.detail, outcome: timedOut ? "timed_out" : "failed" });
};

/** Moves the run to a winding-down status once, announcing it. */
export const enterStatus = (work: Work, status: "compensating" | "cancelling"): void => {
  if (work.state.status === status) return;
  work.state = { ...work.state, status };
  emit(work, `workflow.run.${status}`, {});
};
