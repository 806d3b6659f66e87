// The workflow state machine, pure: given the definition and the run's state, `advance`
// decides what happens next (start steps, open awaits, choose conditional branches,
// time out, fail, compensate in reverse order, finish) and answers the new state, the
// agent calls to make and the transition events to publish. The coordinator object
// persists the state and events together, then makes the calls and feeds their
// outcomes back through `onCallResult`. Nothing here does I/O. This file holds the entry
// points and the pass that ties the parts together (`drive`); the parts: run-work.ts (the
// shared moves), flow-eval.ts (the flow), run-endings.ts (timers, errors, compensation).
import type { AgentCallProblem } from "./errors.ts";
import { isStep, walkFlow, type WorkflowDefinition, nodeName } from "./definition.ts";
import { resolveTemplate } from "./references.ts";
import { signalFate } from "./run-requests.ts";
import { isFinal, newStepRecord, type RunState } from "./run-state.ts";
import { begin, contextOf, type Effect, emit, fail, nodesByName, type Random, setStep, stepKey, type Transition, type Work } from "./run-work.ts";
import { evalSequence } from "./flow-eval.ts";
import { anyInFlight, applyTimers, compensate, enterStatus, finish, handleStepError, runOnTimeout } from "./run-endings.ts";

export type { Effect, Random, Transition } from "./run-work.ts";
export { agentFor } from "./run-work.ts";

export type Advance = { state: RunState; effects: Effect[]; events: Transition[] };
/** A failed call says, when it knows, why the agent certainly did not execute it (see unexecutedReason): its retry may rebind. */
export type CallOutcome = { ok: true; output: unknown } | { ok: false; error: AgentCallProblem; unexecuted?: string | null };

const COMPENSATION_ATTEMPTS = 3;

const drive = (work: Work): Advance => {
  if (!isFinal(work.state.status)) {
    applyTimers(work);
    if (work.state.failure === null) {
      const progress = evalSequence(work, work.definition.flow, "flow", true);
      if (progress === "done") finish(work, "completed");
    }
    if (work.state.failure !== null && !isFinal(work.state.status) && !anyInFlight(work.state)) {
      if (!runOnTimeout(work)) {
        enterStatus(work, work.state.failure.outcome === "cancelled" ? "cancelling" : "compensating");
        compensate(work);
      }
    }
  }
  // `updatedAt` means the run changed: a pass with nothing to do (an alarm with nothing
  // due, a late answer) answers the state it was given, untouched, so nothing is written.
  if (work.state !== work.from) work.state = { ...work.state, updatedAt: work.now };
  return { state: work.state, effects: work.effects, events: work.events };
};

export const advance = (definition: WorkflowDefinition, state: RunState, now: number, random: Random = Math.random): Advance => drive(begin(definition, state, now, random));

export const onCallResult = (definition: WorkflowDefinition, state: RunState, effect: Effect, outcome: CallOutcome, now: number, random: Random = Math.random): Advance => {
  const work = begin(definition, state, now, random);
  if (effect.kind === "call") {
    const record = state.steps[effect.step];
    // A late answer (after a timeout or a restart) changes nothing.
    if (record?.status === "running") {
      if (outcome.ok) {
        const node = nodesByName(definition).get(effect.step);
        setStep(work, effect.step, { status: "completed", finishedAt: now, deadline: null, output: outcome.output, error: null });
        if (node && isStep(node) && node.compensation) work.state = { ...work.state, compensable: [...work.state.compensable, effect.step] };
        emit(work, "workflow.step.completed", { step: effect.step, agent: effect.agent, attempt: record.attempts });
      } else handleStepError(work, effect.step, outcome.error, false, outcome.unexecuted ?? null);
    }
  } else if (effect.kind === "compensate") {
    const compensation = state.steps[effect.step]?.compensation;
    if (compensation?.status === "running") {
      const retry = !outcome.ok && compensation.attempts < COMPENSATION_ATTEMPTS;
      const status = outcome.ok ? "completed" : retry ? "pending" : "failed";
      setStep(work, effect.step, { compensation: { ...compensation, status, error: outcome.ok ? null : outcome.error } });
      if (status !== "pending") emit(work, outcome.ok ? "workflow.step.compensated" : "workflow.step.compensation_failed", { step: effect.step });
    }
  } else if (state.onTimeout?.status === "running") {
    work.state = { ...work.state, onTimeout: { ...state.onTimeout, status: outcome.ok ? "completed" : "failed", error: outcome.ok ? null : outcome.error } };
    emit(work, "workflow.on_timeout.finished", { ok: outcome.ok });
  }
  return drive(work);
};

export const onParticipantEvent = (
  definition: WorkflowDefinition,
  state: RunState,
  event: { type: string; role: string | null; data: unknown },
  now: number,
  random: Random = Math.random,
): Advance => {
  const work = begin(definition, state, now, random);
  const fate = signalFate(definition, state, event);
  if (fate.status === "delivered") {
    setStep(work, fate.await, { status: "completed", finishedAt: now, deadline: null, output: event.data });
    emit(work, "workflow.step.completed", { step: fate.await, event: event.type });
  } else if (fate.status === "buffered") {
    work.state = { ...work.state, inbox: [...state.inbox, { ...event, at: now }] };
  } else {
    // Refused: the coordinator answers with the reason; the run is as it was.
    return { state, effects: [], events: [] };
  }
  return drive(work);
};

/**
 * Cancelling does not wait for calls under way: their steps end `cancelled` (a late
 * answer changes nothing) and, as they may have had their effect, are compensated too,
 * first. Compensation starts at once. A run that has ended or is already failing is left
 * as it is (see cancelRefusal).
 */
export const onCancel = (definition: WorkflowDefinition, state: RunState, now: number, random: Random = Math.random): Advance => {
  const work = begin(definition, state, now, random);
  if (!isFinal(state.status) && state.failure === null) {
    fail(work, { step: null, type: "cancelled", detail: "the run was cancelled", outcome: "cancelled" });
    const nodes = nodesByName(definition);
    for (const record of Object.values(work.state.steps)) {
      if (record.status !== "running") continue;
      setStep(work, record.name, { status: "cancelled", finishedAt: now, deadline: null });
      const node = nodes.get(record.name);
      if (node && isStep(node) && node.compensation) work.state = { ...work.state, compensable: [...work.state.compensable, record.name] };
      emit(work, "workflow.step.cancelled", { step: record.name, agent: record.agent });
    }
    enterStatus(work, "cancelling");
  }
  return drive(work);
};

/** The earliest time at which `advance` has something to do (deadlines, retries). */
export const nextWakeUp = (state: RunState): number | null => {
  if (isFinal(state.status)) return null;
  const times = Object.values(state.steps).flatMap((record) => [
    record.status === "running" || record.status === "waiting" ? record.deadline : null,
    record.status === "pending" ? record.retryAt : null,
  ]);
  times.push(state.status === "running" ? state.deadline : null);
  const due = times.filter((t): t is number => t !== null);
  return due.length === 0 ? null : Math.min(...due);
};

/** A new run: every step pending, participants already bound. */
export const newRun = (
  definition: WorkflowDefinition,
  run: { id: string; tenant: string; input: Record<string, unknown>; bindings: RunState["bindings"]; roles?: RunState["roles"]; shard?: number },
  now: number,
): RunState => ({
  ...run,
  roles: run.roles ?? {},
  rebinds: [],
  workflow: definition.name,
  version: definition.version,
  status: "running",
  steps: Object.fromEntries([...walkFlow(definition.flow)].map(({ node }) => [nodeName(node), newStepRecord(nodeName(node), isStep(node) ? "step" : "await")])),
  choices: {},
  compensable: [],
  inbox: [],
  failure: null,
  onTimeout: null,
  deadline: definition.timeout ? now + definition.timeout : null,
  createdAt: now,
  updatedAt: now,
});

/** After a restart: the calls that were under way when the process died, to be made again (same keys). */
export const resumeEffects = (definition: WorkflowDefinition, state: RunState): Effect[] => {
  if (isFinal(state.status)) return [];
  const nodes = nodesByName(definition);
  const context = contextOf(state);
  const effects: Effect[] = [];
  for (const record of Object.values(state.steps)) {
    const node = nodes.get(record.name);
    if (!node || !isStep(node) || record.agent === null) continue;
    if (record.status === "running") {
      effects.push({ kind: "call", step: record.name, agent: record.agent, action: node.action, input: resolveTemplate(node.input, context), key: stepKey(state.id, record.name) });
    }
    if (record.compensation?.status === "running" && node.compensation) {
      effects.push({
        kind: "compensate",
        step: record.name,
        agent: record.agent,
        action: node.compensation,
        input: { step: record.name, output: record.output ?? null, input: resolveTemplate(node.input, context) },
        key: `wf:${state.id}:${record.name}:compensate`,
      });
    }
  }
  const rule = definition.error_handling.on_timeout;
  const agent = rule ? (state.bindings[rule.role] ?? [])[0] : undefined;
  if (rule && agent && state.onTimeout?.status === "running") {
    effects.push({ kind: "on_timeout", agent, action: rule.action, input: resolveTemplate(rule.input, context), key: `wf:${state.id}:on_timeout` });
  }
  return effects;
};
