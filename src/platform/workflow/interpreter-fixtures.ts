// The harness the interpreter's tests share (interpreter-*.test.ts): a run state machine
// driven by hand. Every agent call is answered by the test (ok, or an error of a given
// type), the clock only moves when the test moves it, retry jitter is fixed (the full
// delay: `random` answers 1), and nothing does I/O. Also small
// builders of workflow definitions and the bindings most tests use.
import { defineWorkflow } from "./define-workflow.ts";
import type { FlowNode, WorkflowDefinition, WorkflowDefinitionInput } from "./definition.ts";
import { type Advance, advance, type Effect, newRun, onCallResult, onCancel, onParticipantEvent, type Transition } from "./interpreter.ts";
import type { RunState } from "./run-state.ts";

export const T0 = 1_000_000;

/** One run under test: the effects it asked for and has not had answered, and every event. */
export class Run {
  state: RunState;
  now = T0;
  /** Calls issued and not yet answered. */
  open: Effect[] = [];
  /** Every effect ever issued, in order. */
  issued: Effect[] = [];
  events: Transition[] = [];
  last: Advance | undefined;
  /** The jitter's draw: 1 gives the full (capped) delay, so retry times are exact. */
  random = (): number => 1;

  constructor(
    readonly definition: WorkflowDefinition,
    bindings: RunState["bindings"],
    input: Record<string, unknown> = {},
    roles?: RunState["roles"],
  ) {
    this.state = newRun(definition, { id: "r1", tenant: "t1", input, bindings, ...(roles ? { roles } : {}) }, this.now);
    this.apply(advance(definition, this.state, this.now, this.random));
  }

  apply(next: Advance): this {
    this.last = next;
    this.state = next.state;
    this.open.push(...next.effects);
    this.issued.push(...next.effects);
    this.events.push(...next.events);
    return this;
  }

  take(kind: Effect["kind"], step?: string): Effect {
    const index = this.open.findIndex((e) => e.kind === kind && (step === undefined || ("step" in e && e.step === step)));
    if (index < 0) throw new Error(`no open ${kind} ${step ?? ""}; open: ${JSON.stringify(this.open.map((e) => [e.kind, "step" in e ? e.step : ""]))}`);
    return this.open.splice(index, 1)[0]!;
  }

  answer(effect: Effect, outcome: Parameters<typeof onCallResult>[3]): this {
    return this.apply(onCallResult(this.definition, this.state, effect, outcome, this.now, this.random));
  }

  ok(step: string, output: unknown = {}): this {
    return this.answer(this.take("call", step), { ok: true, output });
  }

  fail(step: string, type = "boom", unexecuted: string | null = null): this {
    return this.answer(this.take("call", step), { ok: false, error: { type, status: 422, detail: `${step} failed with ${type}` }, unexecuted });
  }

  compOk(step: string): this {
    return this.answer(this.take("compensate", step), { ok: true, output: {} });
  }

  compFail(step: string): this {
    return this.answer(this.take("compensate", step), { ok: false, error: { type: "unavailable", status: 503, detail: "down" } });
  }

  onTimeoutOk(): this {
    return this.answer(this.take("on_timeout"), { ok: true, output: { alerted: true } });
  }

  /** Moves the clock to `at` and lets deadlines and retries happen. */
  at(at: number): this {
    this.now = at;
    return this.apply(advance(this.definition, this.state, this.now, this.random));
  }

  tick(ms: number): this {
    return this.at(this.now + ms);
  }

  event(type: string, role: string | null, data: unknown = null): this {
    return this.apply(onParticipantEvent(this.definition, this.state, { type, role, data }, this.now, this.random));
  }

  cancel(): this {
    return this.apply(onCancel(this.definition, this.state, this.now, this.random));
  }

  status(step: string): string {
    return this.state.steps[step]!.status;
  }

  /** The steps (or kinds) of the open effects. */
  openSteps(kind: Effect["kind"] = "call"): string[] {
    return this.open.filter((e) => e.kind === kind).map((e) => ("step" in e ? e.step : e.kind));
  }

  issuedSteps(kind: Effect["kind"]): string[] {
    return this.issued.filter((e) => e.kind === kind).map((e) => ("step" in e ? e.step : e.kind));
  }

  types(): string[] {
    return this.events.map((e) => e.type);
  }
}

export const define = (flow: unknown[], extra: Partial<WorkflowDefinitionInput> = {}): WorkflowDefinition =>
  defineWorkflow({
    name: "wf",
    version: "1.0.0",
    participants: { p: { type: "worker" }, n: { type: "notifier", optional: true } },
    flow: flow as FlowNode[],
    ...extra,
  });

export const s = (name: string, extra: Record<string, unknown> = {}) => ({ step: name, role: "p", action: `do_${name}`, ...extra });
export const undoable = (name: string, extra: Record<string, unknown> = {}) => s(name, { compensation: `undo_${name}`, ...extra });
export const P = { p: ["p1"], n: ["n1"] };

/** The state without its clock, to compare "nothing changed". */
export const frozen = (state: RunState) => ({ ...state, updatedAt: 0 });
