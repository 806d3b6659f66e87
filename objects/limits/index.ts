// The limits family: one RateLimiter per token, leasing small batches of its token
// bucket to the Workers that serve its requests.
export { type Lease, RateLimiter } from "./rate-limiter.ts";
