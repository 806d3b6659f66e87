// Why: pins exact backoff schedules and the retry loop's stopping rules.
import { describe, expect, it, vi } from "vitest";
import { backoffDelay, effectiveMaxAttempts, retry, validateRetryPolicy, type RetryPolicy } from "./retry.ts";

const exponential: RetryPolicy = { strategy: "exponential", maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 10_000, jitter: "none" };
const fixedRandom = (value: number) => () => value;
const almostOne = 0.9999999999;

function schedule(policy: RetryPolicy, attempts: number, random = fixedRandom(0.5)): number[] {
  return Array.from({ length: attempts }, (_, i) => backoffDelay(policy, i + 1, random));
}

describe("backoffDelay", () => {
  it("doubles for exponential", () => {
    expect(schedule(exponential, 5)).toEqual([100, 200, 400, 800, 1600]);
  });

  it("grows by base for linear", () => {
    expect(schedule({ ...exponential, strategy: "linear" }, 4)).toEqual([100, 200, 300, 400]);
  });

  it("is zero for none", () => {
    expect(schedule({ ...exponential, strategy: "none" }, 3)).toEqual([0, 0, 0]);
  });

  it("caps at maxDelayMs", () => {
    expect(schedule({ ...exponential, maxDelayMs: 500 }, 5)).toEqual([100, 200, 400, 500, 500]);
    expect(schedule({ ...exponential, strategy: "linear", maxDelayMs: 250 }, 4)).toEqual([100, 200, 250, 250]);
  });

  it("stays finite for huge attempt numbers, even with a zero base", () => {
    expect(backoffDelay(exponential, 5_000, Math.random)).toBe(10_000);
    expect(backoffDelay({ ...exponential, baseDelayMs: 0 }, 5_000, Math.random)).toBe(0);
  });

  it("full jitter spans [0, d)", () => {
    const full: RetryPolicy = { ...exponential, jitter: "full" };
    expect(backoffDelay(full, 4, fixedRandom(0))).toBe(0);
    expect(backoffDelay(full, 4, fixedRandom(almostOne))).toBe(799);
    expect(backoffDelay(full, 4, fixedRandom(0.5))).toBe(400);
  });

  it("equal jitter spans [d/2, d)", () => {
    const equal: RetryPolicy = { ...exponential, jitter: "equal" };
    expect(backoffDelay(equal, 4, fixedRandom(0))).toBe(400);
    expect(backoffDelay(equal, 4, fixedRandom(almostOne))).toBe(799);
  });

  it("jitter applies after the cap", () => {
    const capped: RetryPolicy = { ...exponential, maxDelayMs: 1_000, jitter: "equal" };
    expect(backoffDelay(capped, 10, fixedRandom(0))).toBe(500);
    expect(backoffDelay(capped, 10, fixedRandom(almostOne))).toBe(999);
  });

  it("always returns whole ms within [0, maxDelayMs]", () => {
    const odd: RetryPolicy = { strategy: "exponential", maxAttempts: 9, baseDelayMs: 33.3, maxDelayMs: 777.7, jitter: "none" };
    for (const jitter of ["none", "full", "equal"] as const) {
      for (const r of [0, 0.123, 0.5, 0.77, almostOne]) {
        for (const delay of schedule({ ...odd, jitter }, 9, fixedRandom(r))) {
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(777.7);
        }
      }
    }
  });

  it("rejects attempt numbers below 1", () => {
    expect(() => backoffDelay(exponential, 0, Math.random)).toThrow(RangeError);
  });
});

function harness(overrides: Partial<{ shouldRetry: (error: unknown, attempt: number) => boolean }> = {}) {
  const sleep = vi.fn((_ms: number) => Promise.resolve());
  const onRetry = vi.fn();
  return { sleep, onRetry, random: fixedRandom(0), shouldRetry: () => true, ...overrides };
}

describe("retry", () => {
  it("returns the value and attempt count when an attempt succeeds", async () => {
    const deps = harness();
    const fn = vi.fn(async (attempt: number) => {
      if (attempt < 3) throw new Error(`fail ${attempt}`);
      return "ok";
    });
    await expect(retry(fn, exponential, deps)).resolves.toEqual({ value: "ok", attempts: 3 });
    expect(fn.mock.calls.map(([attempt]) => attempt)).toEqual([1, 2, 3]);
    expect(deps.sleep.mock.calls).toEqual([[100], [200]]);
    expect(deps.onRetry.mock.calls.map(([info]) => [info.attempt, info.delayMs, (info.error as Error).message])).toEqual([
      [1, 100, "fail 1"],
      [2, 200, "fail 2"],
    ]);
  });

  it("does not sleep when the first attempt succeeds", async () => {
    const deps = harness();
    await expect(retry(async () => 7, exponential, deps)).resolves.toEqual({ value: 7, attempts: 1 });
    expect(deps.sleep).not.toHaveBeenCalled();
  });

  it("stops at maxAttempts and rethrows the last error", async () => {
    const deps = harness();
    const fn = vi.fn(async (attempt: number): Promise<never> => {
      throw new Error(`fail ${attempt}`);
    });
    await expect(retry(fn, { ...exponential, maxAttempts: 4 }, deps)).rejects.toThrow("fail 4");
    expect(fn).toHaveBeenCalledTimes(4);
    expect(deps.sleep.mock.calls).toEqual([[100], [200], [400]]);
  });

  it("treats a synchronous throw like a rejection", async () => {
    const deps = harness();
    let calls = 0;
    const fn = (): Promise<string> => {
      calls += 1;
      if (calls === 1) throw new Error("sync");
      return Promise.resolve("ok");
    };
    await expect(retry(fn, exponential, deps)).resolves.toEqual({ value: "ok", attempts: 2 });
  });

  it("does not retry when shouldRetry says no", async () => {
    const shouldRetry = vi.fn((error: unknown, _attempt: number) => !(error instanceof TypeError));
    const deps = harness({ shouldRetry });
    const fn = vi.fn(async (attempt: number): Promise<never> => {
      throw attempt === 1 ? new Error("transient") : new TypeError("permanent");
    });
    await expect(retry(fn, exponential, deps)).rejects.toThrow(TypeError);
    expect(fn).toHaveBeenCalledTimes(2);
    expect(shouldRetry.mock.calls.map(([, attempt]) => attempt)).toEqual([1, 2]);
    expect(deps.sleep).toHaveBeenCalledTimes(1);
  });

  it("never retries with strategy none", async () => {
    const deps = harness();
    const policy: RetryPolicy = { ...exponential, strategy: "none", maxAttempts: 5 };
    const fn = vi.fn(async (): Promise<never> => {
      throw new Error("once");
    });
    expect(effectiveMaxAttempts(policy)).toBe(1);
    await expect(retry(fn, policy, deps)).rejects.toThrow("once");
    expect(fn).toHaveBeenCalledTimes(1);
    expect(deps.sleep).not.toHaveBeenCalled();
  });

  it("sleeps for jittered delays drawn from the injected random", async () => {
    const deps = { ...harness(), random: fixedRandom(0.5) };
    const policy: RetryPolicy = { ...exponential, jitter: "full", maxAttempts: 3 };
    await expect(retry(async () => Promise.reject(new Error("x")), policy, deps)).rejects.toThrow("x");
    expect(deps.sleep.mock.calls).toEqual([[50], [100]]);
  });

  it("validates the policy before calling fn", async () => {
    const fn = vi.fn(async () => 1);
    await expect(retry(fn, { ...exponential, maxAttempts: 0 }, harness())).rejects.toThrow(RangeError);
    expect(fn).not.toHaveBeenCalled();
  });
});

describe("validateRetryPolicy", () => {
  it("accepts a sound policy", () => {
    expect(() => validateRetryPolicy(exponential)).not.toThrow();
    expect(() => validateRetryPolicy({ ...exponential, baseDelayMs: 0, maxDelayMs: 0 })).not.toThrow();
  });

  it.each([
    [{ strategy: "fibonacci" }, "retryPolicy.strategy"],
    [{ maxAttempts: 0 }, "retryPolicy.maxAttempts must be an integer >= 1"],
    [{ maxAttempts: 2.5 }, "retryPolicy.maxAttempts"],
    [{ baseDelayMs: -1 }, "retryPolicy.baseDelayMs"],
    [{ baseDelayMs: Number.NaN }, "retryPolicy.baseDelayMs"],
    [{ maxDelayMs: 50 }, "retryPolicy.maxDelayMs"],
    [{ maxDelayMs: Number.POSITIVE_INFINITY }, "retryPolicy.maxDelayMs"],
    [{ jitter: "decorrelated" }, "retryPolicy.jitter"],
  ])("rejects %o", (patch, message) => {
    const bad = { ...exponential, ...patch } as RetryPolicy;
    expect(() => validateRetryPolicy(bad)).toThrow(RangeError);
    expect(() => validateRetryPolicy(bad)).toThrow(message);
  });
});
