// The workflow state machine, pure: given the definition and the run's state, `advance`
// decides what happens next (start steps, open awaits, choose conditional branches,
// time out, fail, compensate in reverse order, finish) and answers the new state, the
// agent calls to make and the transition events to publish. The coordinator object
// persists the state and events together, then makes the calls and feeds their
// outcomes back through `onCallResult`. Nothing here does I/O.
import { type AgentCallProblem, timeoutProblem } from "./errors.ts";
import { type AwaitNode, type FlowNode, isAwait, isStep, type StepNode, walkFlow, type WorkflowDefinition, nodeName } from "./definition.ts";
import { jsonEqual, resolveReference, resolveTemplate, type RunContext } from "./references.ts";
import { awaitTakes, signalFate } from "./run-requests.ts";
import { retryDelay, retryPlan } from "./step-retry.ts";
import { type CompensationRecord, isFinal, newStepRecord, type RunFailure, type RunState, type RunStatus, type StepRecord } from "./run-state.ts";

export type Effect =
  | { kind: "call"; step: string; agent: string; action: string; input: unknown; key: string }
  | { kind: "compensate"; step: string; agent: string; action: string; input: unknown; key: string }
  | { kind: "on_timeout"; agent: string; action: string; input: unknown; key: string };

export type Transition = { type: string; data: Record<string, unknown> };
export type Advance = { state: RunState; effects: Effect[]; events: Transition[] };
export type CallOutcome = { ok: true; output: unknown } | { ok: false; error: AgentCallProblem };

const COMPENSATION_ATTEMPTS = 3;

/** The jitter of retry delays draws from this; tests inject a fixed one. */
export type Random = () => number;

type Work = { state: RunState; effects: Effect[]; events: Transition[]; now: number; random: Random; definition: WorkflowDefinition };

const nodesByName = (definition: WorkflowDefinition): Map<string, StepNode | AwaitNode> =>
  new Map([...walkFlow(definition.flow)].map(({ node }) => [nodeName(node), node]));

const contextOf = (state: RunState): RunContext => ({
  input: state.input,
  steps: Object.fromEntries(Object.values(state.steps).filter((s) => s.status === "completed").map((s) => [s.name, { output: s.output }])),
});

/** The agent a step runs on: a role's steps are spread round-robin over its agents. */
export const agentFor = (definition: WorkflowDefinition, bindings: RunState["bindings"], step: string, role: string): string | null => {
  const agents = bindings[role] ?? [];
  if (agents.length === 0) return null;
  const ofRole = [...walkFlow(definition.flow)].filter(({ node }) => node.role === role).map(({ node }) => nodeName(node));
  return agents[Math.max(0, ofRole.indexOf(step)) % agents.length] ?? null;
};

const setStep = (work: Work, name: string, change: Partial<StepRecord>): StepRecord => {
  const next = { ...work.state.steps[name]!, ...change };
  work.state = { ...work.state, steps: { ...work.state.steps, [name]: next } };
  return next;
};

const emit = (work: Work, type: string, data: Record<string, unknown>): void => {
  work.events.push({ type, data: { run: work.state.id, workflow: work.state.workflow, ...data } });
};

const fail = (work: Work, failure: RunFailure): void => {
  if (work.state.failure) return;
  work.state = { ...work.state, failure };
  emit(work, "workflow.run.failing", { step: failure.step, error: failure.type, detail: failure.detail, outcome: failure.outcome });
  // Once the run is failing nothing waits for a participant event: open awaits close
  // (else a finished run would keep a waiting step that a late event could complete).
  for (const record of Object.values(work.state.steps)) {
    if (record.status !== "waiting") continue;
    setStep(work, record.name, { status: "skipped", finishedAt: work.now, deadline: null });
    emit(work, "workflow.step.skipped", { step: record.name, reason: failure.outcome === "cancelled" ? "the run was cancelled" : "the run is failing" });
  }
};

const startStep = (work: Work, node: StepNode): void => {
  const record = work.state.steps[node.step]!;
  if (record.retryAt !== null && record.retryAt > work.now) return;
  const agent = agentFor(work.definition, work.state.bindings, node.step, node.role);
  if (agent === null) {
    setStep(work, node.step, { status: "skipped", finishedAt: work.now });
    emit(work, "workflow.step.skipped", { step: node.step, reason: `role '${node.role}' is not bound` });
    return;
  }
  const attempts = record.attempts + 1;
  setStep(work, node.step, { status: "running", attempts, agent, startedAt: work.now, retryAt: null, deadline: node.timeout ? work.now + node.timeout : null });
  emit(work, "workflow.step.started", { step: node.step, agent, attempt: attempts });
  work.effects.push({ kind: "call", step: node.step, agent, action: node.action, input: resolveTemplate(node.input, contextOf(work.state)), key: `wf:${work.state.id}:${node.step}` });
};

const openAwait = (work: Work, node: AwaitNode): void => {
  const bound = (work.state.bindings[node.role] ?? []).length > 0;
  if (!bound) {
    setStep(work, node.await, { status: "skipped", finishedAt: work.now });
    emit(work, "workflow.step.skipped", { step: node.await, reason: `role '${node.role}' is not bound` });
    return;
  }
  const index = work.state.inbox.findIndex((event) => awaitTakes(node, event));
  if (index >= 0) {
    const event = work.state.inbox[index]!;
    work.state = { ...work.state, inbox: work.state.inbox.filter((_, i) => i !== index) };
    setStep(work, node.await, { status: "completed", startedAt: work.now, finishedAt: work.now, output: event.data });
    emit(work, "workflow.step.completed", { step: node.await, event: node.event });
    return;
  }
  setStep(work, node.await, { status: "waiting", startedAt: work.now, deadline: node.timeout ? work.now + node.timeout : null });
  emit(work, "workflow.step.waiting", { step: node.await, event: node.event });
};

type Progress = "done" | "active" | "failed";

const skipAll = (work: Work, flow: readonly FlowNode[], reason: string): void => {
  for (const { node } of walkFlow(flow)) {
    const name = nodeName(node);
    if (work.state.steps[name]?.status === "pending") {
      setStep(work, name, { status: "skipped", finishedAt: work.now });
      emit(work, "workflow.step.skipped", { step: name, reason });
    }
  }
};

const evalSequence = (work: Work, flow: readonly FlowNode[], path: string, dispatch: boolean): Progress => {
  for (const [index, node] of flow.entries()) {
    const progress = evalNode(work, node, `${path}.${index}`, dispatch);
    if (progress !== "done") return progress;
  }
  return "done";
};

const evalNode = (work: Work, node: FlowNode, path: string, dispatch: boolean): Progress => {
  if (isStep(node) || isAwait(node)) {
    const record = work.state.steps[nodeName(node)]!;
    if (record.status === "completed" || record.status === "skipped") return "done";
    if (record.status === "failed" || record.status === "timed_out" || record.status === "cancelled") return "failed";
    if (record.status === "pending" && dispatch) {
      if (isStep(node)) startStep(work, node);
      else openAwait(work, node);
      const after = work.state.steps[nodeName(node)]!.status;
      return after === "completed" || after === "skipped" ? "done" : "active";
    }
    return "active";
  }
  if ("parallel" in node) {
    const branches = node.parallel.map((branch, b) => evalSequence(work, branch, `${path}.parallel.${b}`, dispatch));
    if (branches.includes("failed")) return "failed";
    return branches.every((p) => p === "done") ? "done" : "active";
  }
  const { conditional } = node;
  let choice = work.state.choices[path];
  if (choice === undefined) {
    if (!dispatch) return "active";
    const value = resolveReference(conditional.on, contextOf(work.state));
    const found = conditional.cases.findIndex((c) => jsonEqual(c.when, value));
    choice = found >= 0 ? found : conditional.default ? -1 : -2;
    work.state = { ...work.state, choices: { ...work.state.choices, [path]: choice } };
    emit(work, "workflow.branch.chosen", { on: conditional.on, value: value ?? null, case: choice });
    conditional.cases.forEach((c, i) => i !== choice && skipAll(work, c.flow, "branch not taken"));
    if (choice !== -1 && conditional.default) skipAll(work, conditional.default, "branch not taken");
  }
  const chosen = choice >= 0 ? conditional.cases[choice]!.flow : choice === -1 ? (conditional.default ?? []) : [];
  return evalSequence(work, chosen, `${path}.${choice}`, dispatch);
};

const anyInFlight = (state: RunState): boolean =>
  Object.values(state.steps).some((s) => s.status === "running" || s.compensation?.status === "running") || state.onTimeout?.status === "running";

const finalStatus = (state: RunState): RunStatus => {
  const compensations = Object.values(state.steps).map((s) => s.compensation).filter((c): c is CompensationRecord => c !== null);
  if (compensations.some((c) => c.status === "failed")) return "failed";
  const outcome = state.failure?.outcome ?? "failed";
  if (outcome === "failed") return compensations.length > 0 ? "compensated" : "failed";
  return outcome;
};

const finish = (work: Work, status: RunStatus): void => {
  for (const record of Object.values(work.state.steps)) {
    if (record.status === "pending") setStep(work, record.name, { status: "skipped", retryAt: null });
  }
  work.state = { ...work.state, status };
  emit(work, `workflow.run.${status}`, work.state.failure ? { error: work.state.failure.type, detail: work.state.failure.detail, step: work.state.failure.step } : {});
};

const compensate = (work: Work): void => {
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

const runOnTimeout = (work: Work): boolean => {
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
const applyTimers = (work: Work): void => {
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

const handleStepError = (work: Work, name: string, error: AgentCallProblem, timedOut: boolean): void => {
  const node = nodesByName(work.definition).get(name);
  const record = work.state.steps[name]!;
  const plan = retryPlan(work.definition, node && isStep(node) ? node : undefined, error.type);
  if (plan !== null && plan !== "compensate" && record.attempts <= plan.retries && work.state.failure === null) {
    const retryAt = work.now + retryDelay(plan, record.attempts, work.random);
    setStep(work, name, { status: "pending", retryAt, deadline: null, error });
    emit(work, "workflow.step.retrying", { step: name, attempt: record.attempts, error: error.type, at: new Date(retryAt).toISOString() });
    return;
  }
  setStep(work, name, { status: timedOut ? "timed_out" : "failed", finishedAt: work.now, deadline: null, error });
  // A step that timed out may still have had its effect: it is compensated too.
  if (timedOut && node && isStep(node) && node.compensation) work.state = { ...work.state, compensable: [...work.state.compensable, name] };
  emit(work, timedOut ? "workflow.step.timed_out" : "workflow.step.failed", { step: name, error: error.type, detail: error.detail });
  fail(work, { step: name, type: error.type, detail: error.detail, outcome: timedOut ? "timed_out" : "failed" });
};

/** Moves the run to a winding-down status once, announcing it. */
const enterStatus = (work: Work, status: "compensating" | "cancelling"): void => {
  if (work.state.status === status) return;
  work.state = { ...work.state, status };
  emit(work, `workflow.run.${status}`, {});
};

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
  work.state = { ...work.state, updatedAt: work.now };
  return { state: work.state, effects: work.effects, events: work.events };
};

const begin = (definition: WorkflowDefinition, state: RunState, now: number, random: Random): Work => ({ state, effects: [], events: [], now, random, definition });

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
      } else handleStepError(work, effect.step, outcome.error, false);
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
  run: { id: string; tenant: string; input: Record<string, unknown>; bindings: RunState["bindings"] },
  now: number,
): RunState => ({
  ...run,
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
      effects.push({ kind: "call", step: record.name, agent: record.agent, action: node.action, input: resolveTemplate(node.input, context), key: `wf:${state.id}:${record.name}` });
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
