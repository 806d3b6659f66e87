// Calls into Durable Objects, from the Worker or from another object. Transient runtime errors are retried
// with jittered backoff on a fresh stub (a stub that threw may be broken); overload
// becomes 503 with Retry-After; a failed Result becomes its ProblemError. Callers
// never see the runtime's transient faults. Each call is a client span (attempts and
// their retries within it); the attempt runs with it active, so the carrier an attempt
// puts on its address (`trace: traceCarrier()`) names it.
import { classifyDurableFault, DURABLE_RETRY_POLICY, faultKind } from "./durable-faults.ts";
import { problem, ProblemError } from "./problem.ts";
import { retry } from "./resilience/retry.ts";
import { type Result, unwrap } from "./result.ts";
import type { Telemetry } from "./telemetry/emitter.ts";
import { errorKind } from "./telemetry/emitter.ts";
import { ATTR_RPC_METHOD, ATTR_RPC_SYSTEM_NAME, RPC_SYSTEM } from "./telemetry/semconv.ts";
import { SpanKind, withSpan } from "./telemetry/spans.ts";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const callDurable = <T>(
  operation: string,
  /** Called once per attempt, with its number (1 for the first), on a fresh stub. */
  attempt: (n: number) => Promise<Result<T>>,
  telemetry: Telemetry,
): Promise<T> =>
  withSpan(operation, { kind: SpanKind.CLIENT, attributes: { [ATTR_RPC_SYSTEM_NAME]: RPC_SYSTEM, [ATTR_RPC_METHOD]: operation } }, () => attemptAll(operation, attempt, telemetry));

const attemptAll = async <T>(operation: string, attempt: (n: number) => Promise<Result<T>>, telemetry: Telemetry): Promise<T> => {
  try {
    const { value } = await retry((n) => attempt(n), DURABLE_RETRY_POLICY, {
      sleep,
      random: Math.random,
      shouldRetry: (error) => classifyDurableFault(error) === "retryable",
      onRetry: ({ attempt: n, delayMs, error }) =>
        telemetry.emit("durable.retry", { attempt: n, delay_ms: delayMs }, { operation, fault: faultKind(error), error: errorKind(error) }),
    });
    return unwrap(value);
  } catch (error) {
    if (error instanceof ProblemError) throw error;
    const fault = classifyDurableFault(error);
    if (fault === "fatal") throw error;
    telemetry.emit(fault === "overloaded" ? "durable.overloaded" : "durable.exhausted", { count: 1 }, { operation });
    throw problem(503, "temporarily-unavailable", "Temporarily unavailable", "The platform is busy; try again shortly.", {
      retryAfter: 1,
    });
  }
};
