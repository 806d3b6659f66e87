// RateLimiter: one Durable Object per token, holding its token bucket. Workers lease
// small batches of tokens from it (see src/api/rate-limit.ts), so the object sees a
// fraction of the requests. The bucket lives in memory: an eviction forgives at most
// one burst, which is cheaper than writing storage on every lease.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { asResult, type Result } from "../../src/platform/result.ts";
import { type Bucket, fullBucket, take } from "../../src/platform/security/token-bucket.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";

const leaseSchema = z.strictObject({
  wanted: z.number().int().min(1).max(100_000),
  rate: z.number().positive().max(1_000_000),
  burst: z.number().positive().max(2_000_000),
});

export type LeaseRequest = z.input<typeof leaseSchema>;
export type Lease = { granted: number; retryAfterMs: number };

export class RateLimiter extends DurableObject<Env> {
  #bucket: Bucket | null = null;

  lease(request: LeaseRequest): Promise<Result<Lease>> {
    return asResult(() => {
      const { wanted, rate, burst } = parseOrProblem(leaseSchema, request);
      const now = Date.now();
      const outcome = take(this.#bucket ?? fullBucket({ rate, burst }, now), wanted, { rate, burst }, now);
      this.#bucket = outcome.bucket;
      return { granted: outcome.granted, retryAfterMs: outcome.retryAfterMs };
    });
  }
}
