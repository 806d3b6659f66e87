// Why: stop calling a dependency that keeps failing, and probe it again after a
// cool-down. State is plain data so a Durable Object can persist and restore it.

export type BreakerState = "closed" | "open" | "half_open";

export type BreakerSnapshot = {
  state: BreakerState;
  failures: number;
  openedAt: number | null;
  halfOpenInFlight: number;
};

export type CircuitBreakerOptions = { threshold: number; resetTimeoutMs: number; halfOpenMaxCalls?: number };

export type ResolvedBreakerOptions = Required<CircuitBreakerOptions>;
export type AcquireResult = { ok: true } | { ok: false; retryAfterMs: number };
export type BreakerDescription = { state: BreakerState; failures: number; retryAfterMs: number | null };
export type Transition = { snapshot: BreakerSnapshot; result: AcquireResult };

/** Retry hint when every half-open trial slot is taken: trials are expected to finish
 * quickly, so callers come back after at most a second (or the reset timeout if shorter). */
export const HALF_OPEN_BUSY_RETRY_MS = 1000;

export const CLOSED_BREAKER: BreakerSnapshot = Object.freeze({ state: "closed", failures: 0, openedAt: null, halfOpenInFlight: 0 });

function requireInteger(field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`circuitBreaker.${field} must be an integer >= ${min}`);
}

export function validateBreakerOptions(options: CircuitBreakerOptions): ResolvedBreakerOptions {
  requireInteger("threshold", options.threshold, 1);
  if (!Number.isFinite(options.resetTimeoutMs) || options.resetTimeoutMs <= 0) {
    throw new RangeError("circuitBreaker.resetTimeoutMs must be a finite number > 0");
  }
  const halfOpenMaxCalls = options.halfOpenMaxCalls ?? 1;
  requireInteger("halfOpenMaxCalls", halfOpenMaxCalls, 1);
  return { threshold: options.threshold, resetTimeoutMs: options.resetTimeoutMs, halfOpenMaxCalls };
}

function halfOpenBusyRetryMs(options: ResolvedBreakerOptions): number {
  return Math.min(HALF_OPEN_BUSY_RETRY_MS, options.resetTimeoutMs);
}

function remainingOpenMs(snapshot: BreakerSnapshot, now: number, options: ResolvedBreakerOptions): number {
  return Math.max(0, (snapshot.openedAt ?? 0) + options.resetTimeoutMs - now);
}

export function acquireTransition(snapshot: BreakerSnapshot, now: number, options: ResolvedBreakerOptions): Transition {
  if (snapshot.state === "closed") return { snapshot, result: { ok: true } };
  if (snapshot.state === "open") {
    const retryAfterMs = remainingOpenMs(snapshot, now, options);
    if (retryAfterMs > 0) return { snapshot, result: { ok: false, retryAfterMs } };
    return { snapshot: { ...snapshot, state: "half_open", halfOpenInFlight: 1 }, result: { ok: true } };
  }
  if (snapshot.halfOpenInFlight < options.halfOpenMaxCalls) {
    return { snapshot: { ...snapshot, halfOpenInFlight: snapshot.halfOpenInFlight + 1 }, result: { ok: true } };
  }
  return { snapshot, result: { ok: false, retryAfterMs: halfOpenBusyRetryMs(options) } };
}

/** A success while open comes from a call admitted before opening; it proves nothing. */
export function successTransition(snapshot: BreakerSnapshot): BreakerSnapshot {
  return snapshot.state === "open" ? snapshot : CLOSED_BREAKER;
}

/** A failure while open is a late result of an older call; it must not extend the timeout. */
export function failureTransition(snapshot: BreakerSnapshot, now: number, options: ResolvedBreakerOptions): BreakerSnapshot {
  if (snapshot.state === "open") return snapshot;
  const failures = snapshot.failures + 1;
  if (snapshot.state === "closed" && failures < options.threshold) return { ...snapshot, failures };
  return { state: "open", failures, openedAt: now, halfOpenInFlight: 0 };
}

export function releaseTransition(snapshot: BreakerSnapshot): BreakerSnapshot {
  if (snapshot.state !== "half_open" || snapshot.halfOpenInFlight === 0) return snapshot;
  return { ...snapshot, halfOpenInFlight: snapshot.halfOpenInFlight - 1 };
}

export function describeBreaker(snapshot: BreakerSnapshot, now: number, options: CircuitBreakerOptions): BreakerDescription {
  const resolved = validateBreakerOptions(options);
  const { failures } = snapshot;
  if (snapshot.state === "closed") return { state: "closed", failures, retryAfterMs: null };
  if (snapshot.state === "open") {
    const retryAfterMs = remainingOpenMs(snapshot, now, resolved);
    return retryAfterMs > 0 ? { state: "open", failures, retryAfterMs } : { state: "half_open", failures, retryAfterMs: null };
  }
  const saturated = snapshot.halfOpenInFlight >= resolved.halfOpenMaxCalls;
  return { state: "half_open", failures, retryAfterMs: saturated ? halfOpenBusyRetryMs(resolved) : null };
}

/** Trials in flight belonged to the process that took the snapshot and will never report
 * back here, so restoring drops them; keeping them could wedge the breaker in half_open. */
export function restorableSnapshot(snapshot: BreakerSnapshot): BreakerSnapshot {
  const { state, failures, openedAt } = snapshot;
  if (state !== "closed" && state !== "open" && state !== "half_open") {
    throw new RangeError("circuitBreaker.snapshot.state must be closed, open or half_open");
  }
  requireInteger("snapshot.failures", failures, 0);
  if (state === "open" && (openedAt === null || !Number.isFinite(openedAt))) {
    throw new RangeError("circuitBreaker.snapshot.openedAt must be a finite number when open");
  }
  return { state, failures, openedAt, halfOpenInFlight: 0 };
}

export type CircuitBreaker = {
  acquire(): AcquireResult;
  onSuccess(): void;
  onFailure(): void;
  release(): void;
  snapshot(): BreakerSnapshot;
  restore(snapshot: BreakerSnapshot): void;
};

export function createCircuitBreaker(
  options: CircuitBreakerOptions,
  clock: { now: () => number },
  initial: BreakerSnapshot = CLOSED_BREAKER,
): CircuitBreaker {
  const resolved = validateBreakerOptions(options);
  let current = restorableSnapshot(initial);
  return {
    acquire() {
      const { snapshot, result } = acquireTransition(current, clock.now(), resolved);
      current = snapshot;
      return result;
    },
    onSuccess() { current = successTransition(current); },
    onFailure() { current = failureTransition(current, clock.now(), resolved); },
    release() { current = releaseTransition(current); },
    snapshot() { return { ...current }; },
    restore(snapshot) { current = restorableSnapshot(snapshot); },
  };
}
