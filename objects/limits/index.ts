// The limits family: one RateLimiter per token, leasing small batches of its token
// bucket to the Workers that serve its requests.
export { type Lease, RateLimiter } from "./rate-limiter.ts";
import type { TypedStub } from "../durable/index.ts";
import type { RateLimiter } from "./rate-limiter.ts";

/** A token's rate limiter as the Worker calls it. */
export type RateLimiterStub = TypedStub<RateLimiter>;
