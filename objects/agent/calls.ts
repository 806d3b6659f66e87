// The call path of an agent object: idempotency (replay, key reuse, concurrent
// duplicates), lifecycle check, input validation, then bulkhead -> mailbox -> the
// pure pipeline, and one transaction committing state, events, counters and the
// idempotency record. A failed call commits only its counters; the state is untouched.
import { lastErrorFrom } from "../../src/platform/agent/agent-meta.ts";
import { executeAction } from "../../src/platform/agent/execute.ts";
import {
  callFingerprint,
  IDEMPOTENCY_TTL_MS,
  keyReuseProblem,
  sameFingerprint,
} from "../../src/platform/agent/idempotency.ts";
import type { AnyActionSpec } from "../../src/platform/agent/define-agent.ts";
import { checkTransition } from "../../src/platform/agent/lifecycle.ts";
import { findAction } from "../../src/platform/agent/registry.ts";
import type { AgentAddress, CallOutcome, CallRequest } from "../../src/platform/agent/rpc.ts";
import { notFound, problem, ProblemError } from "../../src/platform/problem.ts";
import { BulkheadFullError } from "../../src/platform/resilience/bulkhead.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import type { Caller } from "../../src/platform/security/caller.ts";
import {
  type AgentCore,
  agentCapability,
  agentResource,
  armAlarm,
  authorize,
  commitMeta,
  type Guards,
  requireAgent,
  requireGuards,
} from "./core.ts";
import { applyBreakerThreshold, checkQueue, noticeConfigChange, readAgentConfig } from "./config.ts";
import type { AgentConfig } from "../../src/platform/agent/agent-config.ts";
import { stageSchedules } from "./schedule-ops.ts";

export const callAction = async (core: AgentCore, address: AgentAddress, caller: Caller, request: CallRequest): Promise<CallOutcome> => {
  const found = requireAgent(core, address);
  const context = typeof request.input === "object" && request.input !== null && !Array.isArray(request.input) ? (request.input as Record<string, unknown>) : {};
  await authorize(core, caller, agentCapability("call", found.type, request.action), agentResource(found), context);
  return callAuthorized(core, address, request);
};

/** The call once authorized: by a caller's capability, or by the agent's own schedule (objects/agent/schedules.ts). */
export const callAuthorized = async (core: AgentCore, address: AgentAddress, request: CallRequest): Promise<CallOutcome> => {
  const found = requireAgent(core, address);
  // Read before the duplicate checks below, which must not be split by an await.
  const config = await readAgentConfig(core, found);
  const meta = requireAgent(core, address);
  const now = core.deps.now();
  // A platform key is a fresh UUID per request, so only its own retries can reuse it.
  const fingerprint = request.keyOrigin === "platform" ? "" : await callFingerprint(request.action, request.input);

  // A platform key is made for one HTTP request, so before the platform's first retry
  // it cannot have been recorded: the look-up is skipped on the hot path.
  const recorded = request.keyOrigin === "platform" && request.attempt === 1 ? undefined : core.store.findIdempotency(request.idempotencyKey, now);
  if (recorded) {
    // Awaits only when a hashed record meets a text fingerprint; either way this answers.
    if (!(await sameFingerprint(recorded.fingerprint, fingerprint))) throw keyReuseProblem(request.idempotencyKey);
    return { output: JSON.parse(recorded.response), replayed: true };
  }
  const running = core.inFlight.get(request.idempotencyKey);
  if (running) {
    if (running.fingerprint !== fingerprint) throw keyReuseProblem(request.idempotencyKey);
    return { ...(await running.outcome), replayed: true };
  }

  checkTransition("call", address.id, meta.status);
  const guards = requireGuards(core, meta);
  const spec = findAction(guards.definition, request.action);
  if (!spec) throw notFound("Action", `${meta.type}.${request.action}`);
  const input = parseOrProblem(spec.input, request.input, "", `The input of '${meta.type}.${request.action}' is not valid.`);

  checkQueue(guards, config);
  const call = { request, spec, input, fingerprint, config };
  const outcome = admit(guards, () => core.mailbox.run(() => timed(core, () => runAndCommit(core, guards, address, call))));
  core.inFlight.set(request.idempotencyKey, { fingerprint, outcome });
  try {
    return await outcome;
  } finally {
    core.inFlight.delete(request.idempotencyKey);
  }
};

/** Records the call's duration and outcome in the load window the directory reads. */
const timed = async <T>(core: AgentCore, fn: () => Promise<T>): Promise<T> => {
  const started = core.deps.now();
  let ok = false;
  try {
    const value = await fn();
    ok = true;
    return value;
  } finally {
    const now = core.deps.now();
    core.load.record(now - started, ok, now);
  }
};

const admit = async <T>(guards: Guards, fn: () => Promise<T>): Promise<T> => {
  try {
    return await guards.bulkhead.run(fn);
  } catch (error) {
    if (error instanceof BulkheadFullError) {
      throw problem(429, "bulkhead-full", "Too many concurrent calls", `The agent accepts ${error.maxConcurrent} concurrent calls and ${error.maxQueue} waiting.`, {
        retryAfter: 1,
      });
    }
    throw error;
  }
};

type AdmittedCall = { request: CallRequest; spec: AnyActionSpec; input: unknown; fingerprint: string; config: AgentConfig | undefined };

const runAndCommit = async (core: AgentCore, guards: Guards, address: AgentAddress, call: AdmittedCall): Promise<CallOutcome> => {
  const { request, fingerprint } = call;
  // The status may have changed while this call waited for its turn.
  const before = requireAgent(core, address);
  checkTransition("call", address.id, before.status);
  applyBreakerThreshold(core, guards, call.config);
  await noticeConfigChange(core, guards, before, call.config);
  try {
    const outcome = await executeAction(
      guards.definition,
      guards.breaker,
      {
        agent: { tenant: before.tenant, id: before.id, type: before.type },
        state: core.state,
        actionName: request.action,
        spec: call.spec,
        input: call.input,
        idempotencyKey: request.idempotencyKey,
        ...(call.config ? { config: call.config } : {}),
      },
      core.deps,
    );
    const writeSchedules = stageSchedules(core, outcome.schedules);
    const now = core.deps.now();
    const meta = core.meta ?? before;
    const expiresAt = now + IDEMPOTENCY_TTL_MS[request.keyOrigin];
    commitMeta(
      core,
      {
        ...meta,
        updatedAt: now,
        stateVersion: meta.stateVersion + (outcome.next ? 1 : 0),
        counters: { ...meta.counters, calls: meta.counters.calls + 1 },
        breaker: guards.breaker.snapshot(),
      },
      {
        ...(outcome.next ? { stateJson: outcome.next.json } : {}),
        events: outcome.events,
        idempotency: [{ key: request.idempotencyKey, fingerprint, response: outcome.outputJson, createdAt: now, expiresAt, origin: request.keyOrigin }],
      },
    );
    writeSchedules();
    if (outcome.next) core.state = outcome.next.state;
    armAlarm(core, expiresAt);
    return { output: outcome.output, replayed: false };
  } catch (error) {
    if (error instanceof ProblemError) recordFailure(core, guards, error);
    throw error;
  }
};

const recordFailure = (core: AgentCore, guards: Guards, error: ProblemError): void => {
  const meta = core.meta;
  if (!meta) return;
  const now = core.deps.now();
  commitMeta(core, {
    ...meta,
    updatedAt: now,
    counters: { calls: meta.counters.calls + 1, failures: meta.counters.failures + 1, lastError: lastErrorFrom(error.problem, now) },
    breaker: guards.breaker.snapshot(),
  });
};
