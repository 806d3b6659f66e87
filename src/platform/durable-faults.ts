// How the platform treats an exception from a Durable Object call, following the
// runtime's own flags: `.overloaded` is never retried (retrying feeds the overload),
// `.retryable` is retried with jittered backoff (safe: every mutating call carries an
// idempotency key), anything else is a fault to report. The policy is data so that
// tests and benchmarks can see it.
import type { RetryPolicy } from "./resilience/retry.ts";

export type DurableFault = "retryable" | "overloaded" | "fatal";

const flag = (error: unknown, name: "retryable" | "overloaded"): boolean =>
  typeof error === "object" && error !== null && (error as Record<string, unknown>)[name] === true;

/**
 * SQLite running out of memory under many live objects (seen locally while creating
 * thousands of agents at once). The runtime raises it without a `.retryable` flag, so
 * its message is the only signal there is; the failed transaction rolled back, and
 * every mutating call carries an idempotency key, so trying again is safe.
 */
const isSqliteNoMem = (error: unknown): boolean => error instanceof Error && error.message.includes("SQLITE_NOMEM");

/**
 * The runtime's own failures reach JavaScript only as "internal error; reference = ..."
 * (the same SQLite exhaustion, when it strikes inside the runtime rather than in a
 * query). Nothing was committed by a call that failed this way, so it is retried too.
 */
const isRuntimeInternal = (error: unknown): boolean => error instanceof Error && error.message.startsWith("internal error; reference =");

export const classifyDurableFault = (error: unknown): DurableFault => {
  if (flag(error, "overloaded")) return "overloaded";
  if (flag(error, "retryable") || isSqliteNoMem(error) || isRuntimeInternal(error)) return "retryable";
  return "fatal";
};

/** The kind of fault, for telemetry: which transient errors the platform absorbs. */
export const faultKind = (error: unknown): string => {
  if (isSqliteNoMem(error)) return "sqlite_nomem";
  if (isRuntimeInternal(error)) return "runtime_internal";
  if (flag(error, "overloaded")) return "overloaded";
  return flag(error, "retryable") ? "retryable" : "fatal";
};

/**
 * About 5 s of retrying on average (at most about 10.5 s): long enough to ride out the
 * bursts of SQLITE_NOMEM seen while thousands of objects are created at once locally
 * (with 10 attempts, about 3 s, a spawn of 10,000 agents still saw 2 requests give up).
 */
export const DURABLE_RETRY_POLICY: RetryPolicy = {
  strategy: "exponential",
  maxAttempts: 12,
  baseDelayMs: 20,
  maxDelayMs: 2_000,
  jitter: "full",
};
