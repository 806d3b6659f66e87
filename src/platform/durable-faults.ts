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
 * The only faults recognised by their message, because the runtime gives them no flag:
 * - SQLite running out of memory under many live objects (seen locally while creating
 *   thousands of agents at once): `SQLITE_NOMEM` in the message;
 * - the runtime's own failures, which reach JavaScript only as "internal error;
 *   reference = ..." (the same exhaustion, striking inside the runtime).
 * Nothing was committed by a call that failed either way (the transaction rolled back),
 * and every mutating call carries an idempotency key, so trying again is safe. Every
 * other decision follows the runtime's `.retryable` and `.overloaded` flags.
 */
const unflaggedTransient = (error: unknown): "sqlite_nomem" | "runtime_internal" | null => {
  if (!(error instanceof Error)) return null;
  if (error.message.includes("SQLITE_NOMEM")) return "sqlite_nomem";
  return error.message.startsWith("internal error; reference =") ? "runtime_internal" : null;
};

export const classifyDurableFault = (error: unknown): DurableFault => {
  if (flag(error, "overloaded")) return "overloaded";
  if (flag(error, "retryable") || unflaggedTransient(error) !== null) return "retryable";
  return "fatal";
};

/** The kind of fault, for telemetry: which transient errors the platform absorbs. */
export const faultKind = (error: unknown): string => {
  const unflagged = unflaggedTransient(error);
  if (unflagged !== null) return unflagged;
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
