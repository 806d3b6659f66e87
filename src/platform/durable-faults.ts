// How the platform treats an exception from a Durable Object call, following the
// runtime's own flags: `.overloaded` is never retried (retrying feeds the overload),
// `.retryable` is retried with jittered backoff (safe: every mutating call carries an
// idempotency key), anything else is a fault to report. The policy is data so that
// tests and benchmarks can see it.
import type { RetryPolicy } from "./resilience/retry.ts";

export type DurableFault = "retryable" | "overloaded" | "fatal";

const flag = (error: unknown, name: "retryable" | "overloaded"): boolean =>
  typeof error === "object" && error !== null && (error as Record<string, unknown>)[name] === true;

export const classifyDurableFault = (error: unknown): DurableFault => {
  if (flag(error, "overloaded")) return "overloaded";
  if (flag(error, "retryable")) return "retryable";
  return "fatal";
};

export const DURABLE_RETRY_POLICY: RetryPolicy = {
  strategy: "exponential",
  maxAttempts: 8,
  baseDelayMs: 20,
  maxDelayMs: 1_000,
  jitter: "full",
};
