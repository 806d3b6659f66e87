// Why: one meaning of `retry` in workflows, and one backoff schedule. `retry: n` means n
// retries after the first attempt (n + 1 attempts in all) on a step and in
// `error_handling.on_error` alike; the delay before each retry is the platform's retry
// schedule (resilience/retry.ts): doubling from `backoff_ms`, capped, with equal jitter
// (between half and all of the delay), so runs failing together do not retry together.
import { backoffDelay, type RetryPolicy } from "../resilience/retry.ts";
import { DEFAULT_BACKOFF_MS, type StepNode, type WorkflowDefinition } from "./definition.ts";

/** No retry waits longer than this (unless `backoff_ms` itself is longer): as event delivery's default. */
export const RETRY_MAX_DELAY_MS = 300_000;

export type RetryPlan = { retries: number; backoffMs: number };

/**
 * How a step that failed with `errorType` goes on: the workflow's `on_error` rule for the
 * type wins (retry, or compensate at once), else the step's own `retry`; null: it fails.
 */
export const retryPlan = (definition: WorkflowDefinition, node: StepNode | undefined, errorType: string): RetryPlan | "compensate" | null => {
  const rule = definition.error_handling.on_error[errorType];
  if (rule !== undefined) return "compensate" in rule ? "compensate" : { retries: rule.retry, backoffMs: rule.backoff_ms };
  const own = node?.retry;
  if (own === undefined) return null;
  // A stored definition from before `retry` meant retries: `max_attempts` counted attempts.
  if (typeof own === "object") return own.max_attempts > 1 ? { retries: own.max_attempts - 1, backoffMs: own.backoff_ms } : null;
  return { retries: own, backoffMs: node?.backoff_ms ?? DEFAULT_BACKOFF_MS };
};

const policyOf = (plan: RetryPlan): RetryPolicy => ({
  strategy: "exponential",
  maxAttempts: plan.retries + 1,
  baseDelayMs: plan.backoffMs,
  maxDelayMs: Math.max(plan.backoffMs, RETRY_MAX_DELAY_MS),
  jitter: "equal",
});

/** The delay before the retry that follows failed attempt `attempt` (1 for the first). */
export const retryDelay = (plan: RetryPlan, attempt: number, random: () => number): number => backoffDelay(policyOf(plan), attempt, random);
