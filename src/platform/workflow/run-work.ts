// The working state of one interpreter pass and the small moves every part of it makes:
// change a step's record, announce a transition, start a step, open an await, begin
// failing. Kept apart so the flow evaluation and the ending paths share one vocabulary
// without depending on each other. Pure, like the interpreter.
import { type AwaitNode, type StepNode, walkFlow, type WorkflowDefinition, nodeName } from "./definition.ts";
import { resolveTemplate, type RunContext } from "./references.ts";
import { awaitTakes } from "./run-requests.ts";
import type { BoundAgent } from "./binding.ts";
import type { RunFailure, RunState, StepRecord } from "./run-state.ts";

export type Effect =
  | { kind: "call"; step: string; agent: string; action: string; input: unknown; key: string }
  | { kind: "compensate"; step: string; agent: string; action: string; input: unknown; key: string }
  | { kind: "on_timeout"; agent: string; action: string; input: unknown; key: string };

export type Transition = { type: string; data: Record<string, unknown> };

/** The jitter of retry delays draws from this; tests inject a fixed one. */
export type Random = () => number;

/** `from`: the state the pass began with (every move makes a new state object, so `state !== from` means the run changed). */
export type Work = { from: RunState; state: RunState; effects: Effect[]; events: Transition[]; now: number; random: Random; definition: WorkflowDefinition };

export const nodesByName = (definition: WorkflowDefinition): Map<string, StepNode | AwaitNode> =>
  new Map([...walkFlow(definition.flow)].map(({ node }) => [nodeName(node), node]));

export const contextOf = (state: RunState): RunContext => ({
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

/**
 * A step's idempotency key: the run and the step, the same for every attempt and never
 * the agent's. An agent records only successful answers, so a retry after a failure
 * executes again under the same key, and a retry after an ambiguous failure (a timeout,
 * a transport error: the same agent) is answered by the record of a first attempt that
 * did have its effect. A retry rebound to another agent (only after the first proved it
 * did not execute) executes there once.
 */
export const stepKey = (run: string, step: string): string => `wf:${run}:${step}`;

/** Why `agent` is bound to `role`: its binding record, or an unscored one (a run stored before bindings were recorded). */
export const selectionOf = (state: RunState, role: string, agent: string): BoundAgent =>
  state.roles?.[role]?.agents.find((a) => a.id === agent) ?? { id: agent, how: "explicit", score: null, parts: null };

export const setStep = (work: Work, name: string, change: Partial<StepRecord>): StepRecord => {
  const next = { ...work.state.steps[name]!, ...change };
  work.state = { ...work.state, steps: { ...work.state.steps, [name]: next } };
  return next;
};

export const emit = (work: Work, type: string, data: Record<string, unknown>): void => {
  work.events.push({ type, data: { run: work.state.id, workflow: work.state.workflow, ...data } });
};

export const fail = (work: Work, failure: RunFailure): void => {
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

export const startStep = (work: Work, node: StepNode): void => {
  const record = work.state.steps[node.step]!;
  if (record.retryAt !== null && record.retryAt > work.now) return;
  const agent = agentFor(work.definition, work.state.bindings, node.step, node.role);
  if (agent === null) {
    setStep(work, node.step, { status: "skipped", finishedAt: work.now });
    emit(work, "workflow.step.skipped", { step: node.step, reason: `role '${node.role}' is not bound` });
    return;
  }
  const attempts = record.attempts + 1;
  setStep(work, node.step, { status: "running", attempts, agent, selection: selectionOf(work.state, node.role, agent), startedAt: work.now, retryAt: null, deadline: node.timeout ? work.now + node.timeout : null });
  emit(work, "workflow.step.started", { step: node.step, agent, attempt: attempts });
  work.effects.push({ kind: "call", step: node.step, agent, action: node.action, input: resolveTemplate(node.input, contextOf(work.state)), key: stepKey(work.state.id, node.step) });
};

export const openAwait = (work: Work, node: AwaitNode): void => {
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

export const begin = (definition: WorkflowDefinition, state: RunState, now: number, random: Random): Work => ({ from: state, state, effects: [], events: [], now, random, definition });
