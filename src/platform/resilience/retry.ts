// Why: one tested place for retry schedules, so every outbound call backs off the
// same way. Sleep and randomness are injected so schedules are deterministic in tests.

export type RetryStrategy = "exponential" | "linear" | "none";
export type RetryJitter = "none" | "full" | "equal";

export type RetryPolicy = {
  strategy: RetryStrategy;
  /** Total attempts, including the first. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  jitter: RetryJitter;
};

export type RetryInfo = { attempt: number; delayMs: number; error: unknown };

export type RetryDeps = {
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  shouldRetry: (error: unknown, attempt: number) => boolean;
  onRetry?: (info: RetryInfo) => void;
};

export type RetryResult<T> = { value: T; attempts: number };

const STRATEGIES: readonly RetryStrategy[] = ["exponential", "linear", "none"];
const JITTERS: readonly RetryJitter[] = ["none", "full", "equal"];
/** 2^1023 is the largest finite power of two; beyond it base * 2^n would be Infinity or NaN. */
const MAX_EXPONENT = 1023;

export function validateRetryPolicy(policy: RetryPolicy): void {
  if (!STRATEGIES.includes(policy.strategy)) {
    throw new RangeError(`retryPolicy.strategy must be one of ${STRATEGIES.join(", ")}`);
  }
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError("retryPolicy.maxAttempts must be an integer >= 1");
  }
  if (!Number.isFinite(policy.baseDelayMs) || policy.baseDelayMs < 0) {
    throw new RangeError("retryPolicy.baseDelayMs must be a finite number >= 0");
  }
  if (!Number.isFinite(policy.maxDelayMs) || policy.maxDelayMs < policy.baseDelayMs) {
    throw new RangeError("retryPolicy.maxDelayMs must be a finite number >= baseDelayMs");
  }
  if (!JITTERS.includes(policy.jitter)) {
    throw new RangeError(`retryPolicy.jitter must be one of ${JITTERS.join(", ")}`);
  }
}

/** Strategy "none" means a single attempt whatever maxAttempts says. */
export function effectiveMaxAttempts(policy: RetryPolicy): number {
  return policy.strategy === "none" ? 1 : policy.maxAttempts;
}

function uncappedDelay(policy: RetryPolicy, attempt: number): number {
  switch (policy.strategy) {
    case "exponential":
      return policy.baseDelayMs * 2 ** Math.min(attempt - 1, MAX_EXPONENT);
    case "linear":
      return policy.baseDelayMs * attempt;
    case "none":
      return 0;
  }
}

/** Delay in whole ms, within [0, maxDelayMs], before retrying after `attempt` (1-based) failed. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError("backoffDelay attempt must be an integer >= 1");
  }
  const delay = Math.min(uncappedDelay(policy, attempt), policy.maxDelayMs);
  const r = Math.min(Math.max(random(), 0), 1);
  const jittered =
    policy.jitter === "full" ? r * delay : policy.jitter === "equal" ? delay / 2 + (r * delay) / 2 : delay;
  return Math.min(Math.max(Math.floor(jittered), 0), Math.floor(policy.maxDelayMs));
}

export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  deps: RetryDeps,
): Promise<RetryResult<T>> {
  validateRetryPolicy(policy);
  const maxAttempts = effectiveMaxAttempts(policy);
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await fn(attempt), attempts: attempt };
    } catch (error) {
      if (attempt >= maxAttempts || !deps.shouldRetry(error, attempt)) throw error;
      const delayMs = backoffDelay(policy, attempt, deps.random);
      deps.onRetry?.({ attempt, delayMs, error });
      await deps.sleep(delayMs);
    }
  }
}
