import { describe, expect, it } from "vitest";
import { fullBucket, takeToken } from "./rate.ts";

describe("takeToken", () => {
  it("allows a burst, then refills at the rate, and says how long to wait", () => {
    let bucket = fullBucket(3, 0);
    const taken = [];
    for (let i = 0; i < 4; i++) {
      const outcome = takeToken(bucket, 0, 10, 3);
      bucket = outcome.bucket;
      taken.push(outcome.ok);
    }
    expect(taken).toEqual([true, true, true, false]);
    expect(takeToken(bucket, 0, 10, 3).retryAfterMs).toBe(100);
    expect(takeToken(bucket, 100, 10, 3).ok).toBe(true);
    expect(takeToken(fullBucket(0, 0), 10_000, 10, 3).bucket.tokens).toBe(2);
  });
});
