// Why: pins the breaker state machine, including persistence across restarts.
import { describe, expect, it } from "vitest";
import {
  CLOSED_BREAKER,
  HALF_OPEN_BUSY_RETRY_MS,
  createCircuitBreaker,
  describeBreaker,
  type BreakerSnapshot,
  type CircuitBreakerOptions,
} from "./circuit-breaker.ts";

function manualClock(start = 1_000_000) {
  let time = start;
  return { now: () => time, advance: (ms: number) => void (time += ms) };
}

const options: CircuitBreakerOptions = { threshold: 3, resetTimeoutMs: 10_000 };

function openBreaker(opts: CircuitBreakerOptions = options) {
  const clock = manualClock();
  const breaker = createCircuitBreaker(opts, clock);
  for (let i = 0; i < opts.threshold; i++) {
    expect(breaker.acquire()).toEqual({ ok: true });
    breaker.onFailure();
  }
  return { clock, breaker };
}

describe("circuit breaker: closed", () => {
  it("admits calls and opens after exactly `threshold` consecutive failures", () => {
    const clock = manualClock();
    const breaker = createCircuitBreaker(options, clock);
    breaker.onFailure();
    breaker.onFailure();
    expect(breaker.snapshot()).toEqual({ state: "closed", failures: 2, openedAt: null, halfOpenInFlight: 0 });
    expect(breaker.acquire()).toEqual({ ok: true });
    breaker.onFailure();
    expect(breaker.snapshot()).toEqual({ state: "open", failures: 3, openedAt: clock.now(), halfOpenInFlight: 0 });
  });

  it("resets the failure count on success", () => {
    const breaker = createCircuitBreaker(options, manualClock());
    breaker.onFailure();
    breaker.onFailure();
    breaker.onSuccess();
    breaker.onFailure();
    breaker.onFailure();
    expect(breaker.snapshot().state).toBe("closed");
    expect(breaker.snapshot().failures).toBe(2);
  });

  it("opens on the first failure when threshold is 1", () => {
    const { breaker } = openBreaker({ threshold: 1, resetTimeoutMs: 50 });
    expect(breaker.snapshot().state).toBe("open");
  });
});

describe("circuit breaker: open", () => {
  it("refuses with a retryAfterMs that shrinks as time passes", () => {
    const { clock, breaker } = openBreaker();
    expect(breaker.acquire()).toEqual({ ok: false, retryAfterMs: 10_000 });
    clock.advance(4_000);
    expect(breaker.acquire()).toEqual({ ok: false, retryAfterMs: 6_000 });
    clock.advance(5_999);
    expect(breaker.acquire()).toEqual({ ok: false, retryAfterMs: 1 });
    expect(breaker.snapshot().state).toBe("open");
  });

  it("ignores late results from calls admitted before it opened", () => {
    const { clock, breaker } = openBreaker();
    const openedAt = breaker.snapshot().openedAt;
    clock.advance(5_000);
    breaker.onFailure();
    breaker.onSuccess();
    breaker.release();
    expect(breaker.snapshot()).toEqual({ state: "open", failures: 3, openedAt, halfOpenInFlight: 0 });
  });
});

describe("circuit breaker: half open", () => {
  it("admits exactly halfOpenMaxCalls trials once the timeout elapses", () => {
    const { clock, breaker } = openBreaker({ ...options, halfOpenMaxCalls: 2 });
    clock.advance(10_000);
    expect(breaker.acquire()).toEqual({ ok: true });
    expect(breaker.snapshot()).toMatchObject({ state: "half_open", halfOpenInFlight: 1 });
    expect(breaker.acquire()).toEqual({ ok: true });
    expect(breaker.acquire()).toEqual({ ok: false, retryAfterMs: HALF_OPEN_BUSY_RETRY_MS });
    expect(breaker.snapshot().halfOpenInFlight).toBe(2);
  });

  it("uses the reset timeout as busy hint when it is shorter than the default", () => {
    const { clock, breaker } = openBreaker({ threshold: 1, resetTimeoutMs: 200 });
    clock.advance(200);
    breaker.acquire();
    expect(breaker.acquire()).toEqual({ ok: false, retryAfterMs: 200 });
  });

  it("closes on a trial success", () => {
    const { clock, breaker } = openBreaker();
    clock.advance(10_000);
    breaker.acquire();
    breaker.onSuccess();
    expect(breaker.snapshot()).toEqual(CLOSED_BREAKER);
    expect(breaker.acquire()).toEqual({ ok: true });
  });

  it("reopens with a fresh timeout on a trial failure", () => {
    const { clock, breaker } = openBreaker();
    clock.advance(12_000);
    breaker.acquire();
    clock.advance(500);
    breaker.onFailure();
    expect(breaker.snapshot()).toMatchObject({ state: "open", openedAt: clock.now(), halfOpenInFlight: 0 });
    expect(breaker.acquire()).toEqual({ ok: false, retryAfterMs: 10_000 });
  });

  it("release frees a trial slot without changing state", () => {
    const { clock, breaker } = openBreaker();
    clock.advance(10_000);
    breaker.acquire();
    expect(breaker.acquire().ok).toBe(false);
    breaker.release();
    expect(breaker.snapshot()).toMatchObject({ state: "half_open", halfOpenInFlight: 0 });
    expect(breaker.acquire()).toEqual({ ok: true });
    breaker.release();
    breaker.release();
    expect(breaker.snapshot().halfOpenInFlight).toBe(0);
  });
});

describe("circuit breaker: snapshot and restore", () => {
  it("survives a restart while open", () => {
    const { clock, breaker } = openBreaker();
    const saved = JSON.parse(JSON.stringify(breaker.snapshot())) as BreakerSnapshot;
    clock.advance(3_000);
    const revived = createCircuitBreaker(options, clock, saved);
    expect(revived.snapshot()).toEqual(saved);
    expect(revived.acquire()).toEqual({ ok: false, retryAfterMs: 7_000 });
    clock.advance(7_000);
    expect(revived.acquire()).toEqual({ ok: true });
  });

  it("restore replaces the live state", () => {
    const clock = manualClock();
    const breaker = createCircuitBreaker(options, clock);
    breaker.restore({ state: "closed", failures: 2, openedAt: null, halfOpenInFlight: 0 });
    breaker.onFailure();
    expect(breaker.snapshot().state).toBe("open");
  });

  it("snapshot is a copy", () => {
    const breaker = createCircuitBreaker(options, manualClock());
    const snap = breaker.snapshot();
    snap.failures = 99;
    expect(breaker.snapshot().failures).toBe(0);
  });

  it("drops in-flight trials on restore so a dead process cannot wedge half_open", () => {
    const clock = manualClock();
    const saved: BreakerSnapshot = { state: "half_open", failures: 3, openedAt: clock.now() - 20_000, halfOpenInFlight: 1 };
    const revived = createCircuitBreaker(options, clock, saved);
    expect(revived.snapshot()).toEqual({ ...saved, halfOpenInFlight: 0 });
    expect(revived.acquire()).toEqual({ ok: true });
  });

  it("rejects malformed snapshots", () => {
    const breaker = createCircuitBreaker(options, manualClock());
    const bad = { state: "opened", failures: 0, openedAt: null, halfOpenInFlight: 0 } as unknown as BreakerSnapshot;
    expect(() => breaker.restore(bad)).toThrow(/snapshot\.state/);
    expect(() => breaker.restore({ state: "open", failures: 3, openedAt: null, halfOpenInFlight: 0 })).toThrow(/openedAt/);
    expect(() => breaker.restore({ ...CLOSED_BREAKER, failures: -1 })).toThrow(/snapshot\.failures/);
  });
});

describe("describeBreaker", () => {
  const now = 50_000;
  it("reports closed, open with remaining time, and elapsed open as half_open", () => {
    expect(describeBreaker(CLOSED_BREAKER, now, options)).toEqual({ state: "closed", failures: 0, retryAfterMs: null });
    const open: BreakerSnapshot = { state: "open", failures: 3, openedAt: now - 4_000, halfOpenInFlight: 0 };
    expect(describeBreaker(open, now, options)).toEqual({ state: "open", failures: 3, retryAfterMs: 6_000 });
    expect(describeBreaker(open, now + 6_000, options)).toEqual({ state: "half_open", failures: 3, retryAfterMs: null });
  });

  it("reports a saturated half_open breaker with the busy hint", () => {
    const half: BreakerSnapshot = { state: "half_open", failures: 3, openedAt: 0, halfOpenInFlight: 1 };
    expect(describeBreaker(half, now, options).retryAfterMs).toBe(HALF_OPEN_BUSY_RETRY_MS);
    expect(describeBreaker({ ...half, halfOpenInFlight: 0 }, now, options).retryAfterMs).toBeNull();
  });
});

describe("circuit breaker options", () => {
  const clock = manualClock();
  it.each([
    [{ threshold: 0, resetTimeoutMs: 1 }, "circuitBreaker.threshold must be an integer >= 1"],
    [{ threshold: 1.5, resetTimeoutMs: 1 }, "circuitBreaker.threshold"],
    [{ threshold: 1, resetTimeoutMs: 0 }, "circuitBreaker.resetTimeoutMs"],
    [{ threshold: 1, resetTimeoutMs: Number.NaN }, "circuitBreaker.resetTimeoutMs"],
    [{ threshold: 1, resetTimeoutMs: 1, halfOpenMaxCalls: 0 }, "circuitBreaker.halfOpenMaxCalls"],
  ])("rejects %o", (bad, message) => {
    expect(() => createCircuitBreaker(bad, clock)).toThrow(RangeError);
    expect(() => createCircuitBreaker(bad, clock)).toThrow(message);
  });
});
