// The action pipeline after admission: circuit breaker -> retry -> run (with a
// timeout) -> output, state and event validation. Pure: storage, the clock and the
// timer come in as dependencies, and the outcome is data for the object to commit.
// Failures leave nothing behind; they are thrown as ProblemErrors the API renders.
import { ActionError } from "./action-error.ts";
import type { ActionContext, AnyActionSpec, AnyAgentDefinition } from "./define-agent.ts";
import { LIMITS, fitsIn } from "./limits.ts";
import type { PendingEvent } from "./pending-event.ts";
import { problem, ProblemError } from "../problem.ts";
import type { CircuitBreaker } from "../resilience/circuit-breaker.ts";
import { retry } from "../resilience/retry.ts";
import { errorKind } from "../telemetry/emitter.ts";
import { hookContext } from "./context.ts";
import { actionLeases } from "./action-leases.ts";
import type { AgentIdentity, RuntimeDeps } from "./runtime-deps.ts";
import { fieldErrors } from "../zod-issues.ts";
import { deepFreeze } from "../deep-freeze.ts";
import { TimeoutError, withTimeout } from "../timeout.ts";
import { type AgentConfig, configOf } from "./agent-config.ts";
import { type ScheduleOp, scheduleContext } from "../schedules/context.ts";


export type ExecuteRequest = {
  agent: AgentIdentity;
  state: unknown;
  actionName: string;
  spec: AnyActionSpec;
  /** Already parsed by the action's input schema. */
  input: unknown;
  idempotencyKey: string;
  /** The tenant's configuration for this call (ctx.config, ctx.flags, the default timeout). */
  config?: AgentConfig;
};

export type ExecuteOutcome = {
  output: unknown;
  outputJson: string;
  /** The new state (frozen) and its JSON, or null when the action kept the state. */
  next: { state: unknown; json: string } | null;
  events: PendingEvent[];
  /** Schedules the action created or cancelled (ctx.schedule), for the object to write with its commit. */
  schedules: ScheduleOp[];
  attempts: number;
};

/** Errors the retry policy may try again: crashes, timeouts, and action errors marked retryable. */
const isRetryable = (error: unknown): boolean =>
  error instanceof ActionError ? error.retryable : !(error instanceof ProblemError);

/** Whether the circuit breaker should count the failure: the agent, not the caller, failed. */
const countsAgainstBreaker = (error: unknown): boolean =>
  !(error instanceof ActionError && !error.retryable) &&
  !(error instanceof ProblemError && error.status < 500);

const toProblem = (error: unknown, actionName: string, attempts: number): ProblemError => {
  if (error instanceof ProblemError) return error;
  if (error instanceof ActionError) {
    const extensions = { code: error.code, details: error.details, attempts };
    return error.retryable
      ? problem(503, "action-unavailable", "The action failed on every attempt", error.message, { extensions, retryAfter: 1 })
      : problem(422, "action-failed", "The action failed", error.message, { extensions });
  }
  if (error instanceof TimeoutError) {
    return problem(504, "action-timeout", "The action timed out", `Action '${actionName}' ${error.message}.`, { extensions: { attempts } });
  }
  return problem(500, "action-crashed", "The action raised an error", `Action '${actionName}' raised ${errorKind(error)}.`, {
    extensions: { attempts },
  });
};


const invalid = (slug: string, title: string, detail: string, issues: Parameters<typeof fieldErrors>[0], root: string) =>
  problem(500, slug, title, detail, { errors: fieldErrors(issues, root) });

const attemptOnce = async (
  definition: AnyAgentDefinition,
  request: ExecuteRequest,
  attempt: number,
  deps: RuntimeDeps,
): Promise<ExecuteOutcome> => {
  const { spec, actionName } = request;
  const events: PendingEvent[] = [];
  const schedules: ScheduleOp[] = [];
  const timeout = spec.timeout ?? configOf(request.config).agents.defaultTimeoutMs ?? definition.resilience.defaultActionTimeout;
  const leases = actionLeases(deps, request.agent, request.idempotencyKey, attempt);
  const result = await withTimeout((signal) => {
    let calls = 0;
    const call: ActionContext<unknown>["call"] = (to, action, input, options) => {
      if (!deps.callAgent) throw new ActionError("unsupported", "This host cannot call other agents.");
      const key = { parent: request.idempotencyKey, index: calls++, ...(options?.idempotencyKey ? { explicit: options.idempotencyKey } : {}) };
      return deps.callAgent({ from: request.agent, to, action, input, key });
    };
    const ctx: ActionContext<unknown> = {
      ...hookContext(request.agent, request.state, signal, events, deps, request.config),
      attempt,
      idempotencyKey: request.idempotencyKey,
      call,
      agent: (_definition, agentId) => ({
        call: (action, input, options) => call(agentId, action, input, options) as never,
      }),
      acquire: leases.acquire,
      ...scheduleContext(schedules, deps.newId, deps.listSchedules && (() => deps.listSchedules!(request.agent))),
    };
    return spec.run(request.input, ctx);
  }, timeout).finally(() => leases.releaseAll());
  if (typeof result !== "object" || result === null || !("result" in result)) {
    throw problem(500, "action-output-invalid", "The action returned an invalid result", `Action '${actionName}' must return { result, state? }.`);
  }
  const output = spec.output.safeParse(result.result);
  if (!output.success) {
    throw invalid("action-output-invalid", "The action returned an invalid result", `The result of '${actionName}' does not match its output schema.`, output.error.issues, "result");
  }
  const outputJson = JSON.stringify(output.data) ?? "null";
  if (!fitsIn(outputJson, LIMITS.outputBytes)) {
    throw problem(422, "limit-exceeded", "Result too large", `The result of '${actionName}' exceeds ${LIMITS.outputBytes} bytes.`);
  }
  let next: ExecuteOutcome["next"] = null;
  if (result.state !== undefined) {
    const state = definition.stateSchema.safeParse(result.state);
    if (!state.success) {
      throw invalid("action-state-invalid", "The action returned an invalid state", `The state returned by '${actionName}' does not match the agent's state schema.`, state.error.issues, "state");
    }
    const json = JSON.stringify(state.data);
    if (!fitsIn(json, LIMITS.stateBytes)) {
      throw problem(422, "limit-exceeded", "State too large", `Agent state may not exceed ${LIMITS.stateBytes} bytes of JSON.`);
    }
    next = { state: deepFreeze(state.data), json };
  }
  return { output: output.data, outputJson, next, events, schedules, attempts: attempt };
};

export const executeAction = async (
  definition: AnyAgentDefinition,
  breaker: CircuitBreaker,
  request: ExecuteRequest,
  deps: RuntimeDeps,
): Promise<ExecuteOutcome> => {
  const attributes = { tenant: request.agent.tenant, agent_type: request.agent.type, action: request.actionName };
  let breakerState = breaker.snapshot().state;
  /** Emits the breaker's transition, if the last step made one (metrics count the state entered). */
  const observeBreaker = (): void => {
    const to = breaker.snapshot().state;
    if (to !== breakerState) deps.telemetry.emit("agent.breaker.transition", { count: 1 }, { ...attributes, from: breakerState, to });
    breakerState = to;
  };
  const admitted = breaker.acquire();
  observeBreaker();
  if (!admitted.ok) {
    deps.telemetry.emit("agent.action.refused", { count: 1 }, { ...attributes, reason: "circuit_open" });
    const retryAfter = Math.max(1, Math.ceil(admitted.retryAfterMs / 1000));
    throw problem(503, "circuit-open", "The agent's circuit breaker is open", `Calls to this agent are refused for ${retryAfter} s after repeated failures.`, {
      retryAfter,
    });
  }
  const { retry: policy } = definition.resilience;
  let attempts = 0;
  try {
    const { value } = await deps.telemetry.span("agent.action", attributes, () =>
      retry(
        (attempt) => {
          attempts = attempt;
          return attemptOnce(definition, request, attempt, deps);
        },
        { strategy: policy.strategy, maxAttempts: policy.maxAttempts, baseDelayMs: policy.baseDelay, maxDelayMs: policy.maxDelay, jitter: policy.jitter },
        {
          sleep: deps.sleep,
          random: deps.random,
          shouldRetry: isRetryable,
          onRetry: ({ attempt, delayMs, error }) => {
            deps.telemetry.emit("agent.action.retry", { attempt, delay_ms: delayMs }, { ...attributes, error: errorKind(error) });
          },
        },
      ),
    );
    breaker.onSuccess();
    observeBreaker();
    return value;
  } catch (error) {
    if (countsAgainstBreaker(error)) breaker.onFailure();
    else breaker.release();
    observeBreaker();
    if (!(error instanceof ProblemError || error instanceof ActionError)) {
      deps.log.warn("action raised an error", { ...attributes, error: errorKind(error), message: String(error instanceof Error ? error.message : error) });
    }
    throw toProblem(error, request.actionName, attempts);
  }
};
