import { describe, expect, it } from "vitest";
import { fullBucket, take } from "./token-bucket.ts";

const limits = { rate: 10, burst: 20 };

describe("token bucket", () => {
  it("grants a full burst, then refuses with the time until the next token", () => {
    let bucket = fullBucket(limits, 0);
    const first = take(bucket, 20, limits, 0);
    expect(first.granted).toBe(20);
    bucket = first.bucket;
    const refused = take(bucket, 1, limits, 0);
    expect(refused).toMatchObject({ granted: 0, retryAfterMs: 100 });
  });

  it("refills at the rate and never above the burst", () => {
    const empty = take(fullBucket(limits, 0), 20, limits, 0).bucket;
    expect(take(empty, 100, limits, 500).granted).toBe(5);
    expect(take(empty, 100, limits, 60_000).granted).toBe(20);
  });

  it("grants only what is there", () => {
    const bucket = take(fullBucket(limits, 0), 18, limits, 0).bucket;
    expect(take(bucket, 5, limits, 0).granted).toBe(2);
  });

  it("does not go back in time", () => {
    const bucket = take(fullBucket(limits, 1_000), 20, limits, 1_000).bucket;
    expect(take(bucket, 1, limits, 0).granted).toBe(0);
  });
});
