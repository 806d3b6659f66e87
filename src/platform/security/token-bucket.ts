// A token bucket as plain data: `rate` tokens per second refill up to `burst`.
// `take` grants up to the tokens asked for and, when none are left, says how long
// until one is.
export type Bucket = { tokens: number; updatedAt: number };
export type BucketLimits = { rate: number; burst: number };
export type Take = { granted: number; bucket: Bucket; retryAfterMs: number };

export const fullBucket = (limits: BucketLimits, now: number): Bucket => ({ tokens: limits.burst, updatedAt: now });

export const refill = (bucket: Bucket, limits: BucketLimits, now: number): Bucket => {
  const elapsed = Math.max(0, now - bucket.updatedAt);
  return { tokens: Math.min(limits.burst, bucket.tokens + (elapsed * limits.rate) / 1000), updatedAt: Math.max(now, bucket.updatedAt) };
};

export const take = (bucket: Bucket, wanted: number, limits: BucketLimits, now: number): Take => {
  const current = refill(bucket, limits, now);
  const granted = Math.min(wanted, Math.floor(current.tokens));
  const next = { ...current, tokens: current.tokens - granted };
  const retryAfterMs = granted > 0 ? 0 : Math.ceil(((1 - next.tokens) * 1000) / limits.rate);
  return { granted, bucket: next, retryAfterMs };
};
