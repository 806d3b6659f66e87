// Why: one socket must not be able to keep its agent busy. A token bucket per socket
// (calls per second, with a burst), as plain data so the object can keep it anywhere.
export type Bucket = { tokens: number; at: number };

export const fullBucket = (burst: number, now: number): Bucket => ({ tokens: burst, at: now });

/** Takes one token if there is one: the new bucket, and how long to wait when there is none. */
export const takeToken = (bucket: Bucket, now: number, perSecond: number, burst: number): { ok: boolean; bucket: Bucket; retryAfterMs: number } => {
  const tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.at) * perSecond) / 1000);
  if (tokens >= 1) return { ok: true, bucket: { tokens: tokens - 1, at: now }, retryAfterMs: 0 };
  return { ok: false, bucket: { tokens, at: now }, retryAfterMs: Math.ceil(((1 - tokens) * 1000) / perSecond) };
};
