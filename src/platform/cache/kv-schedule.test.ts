import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KV_MIN_INTERVAL_MS, KV_REFRESH_MS, kvExpirationTtl, needsRefresh, pushDueAfterPush, pushDueAfterWrite, pushRetryAt } from "./kv-schedule.ts";

describe("KV push schedule", () => {
  it("pushes at once when the last push is a second old, else a second after it; keeps a due push", () => {
    expect(pushDueAfterWrite(null, 0, 5_000)).toBe(5_000);
    expect(pushDueAfterWrite(null, 4_500, 5_000)).toBe(5_500);
    expect(pushDueAfterWrite(5_200, 4_500, 5_100)).toBe(5_200);
  });

  it("a burst of writes to one key pushes at most once a second, and its last value lands", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 200 }), (gaps) => {
        // Simulate: writes at increasing times; the alarm pushes whenever a push is due.
        let now = 0, due: number | null = null, lastPush = -Infinity, version = 0, pushed = 0;
        const pushes: number[] = [];
        const runDue = (until: number) => {
          while (due !== null && due <= until) {
            const at = due;
            pushes.push(at);
            const pushedVersion = version;
            lastPush = at;
            due = pushDueAfterPush(version, pushedVersion, at);
            pushed = pushedVersion;
          }
        };
        for (const gap of gaps) {
          now += gap;
          runDue(now);
          version++;
          due = pushDueAfterWrite(due, lastPush, now);
        }
        runDue(Infinity);
        for (let i = 1; i < pushes.length; i++) expect(pushes[i]! - pushes[i - 1]!).toBeGreaterThanOrEqual(KV_MIN_INTERVAL_MS);
        expect(pushed).toBe(version);
        // Never falls behind: the last push is within a second of the last write.
        expect(pushes.at(-1)!).toBeLessThanOrEqual(now + KV_MIN_INTERVAL_MS);
      }),
    );
  });

  it("a push that raced a write is due again a second after it started", () => {
    expect(pushDueAfterPush(3, 3, 1_000)).toBeNull();
    expect(pushDueAfterPush(4, 3, 1_000)).toBe(2_000);
  });

  it("backs off failed pushes up to 30 s", () => {
    expect(pushRetryAt(1, 0)).toBe(1_000);
    expect(pushRetryAt(3, 0)).toBe(4_000);
    expect(pushRetryAt(20, 0)).toBe(30_000);
  });

  it("refreshes an aging KV copy on a read, unless a push is due", () => {
    expect(needsRefresh(0, null, KV_REFRESH_MS)).toBe(true);
    expect(needsRefresh(0, null, KV_REFRESH_MS - 1)).toBe(false);
    expect(needsRefresh(0, 5, KV_REFRESH_MS)).toBe(false);
  });

  it("gives KV at least its 60 s minimum expiry", () => {
    expect(kvExpirationTtl({ expiresAt: 5_000 }, 0)).toBe(60);
    expect(kvExpirationTtl({ expiresAt: 3_600_500 }, 0)).toBe(3_601);
  });
});
