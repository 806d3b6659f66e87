// Per-token rate limiting: a token bucket in a RateLimiter object per token, leased in
// small batches (a tenth of a second's allowance, held at most a second) so that the
// object is asked once per batch rather than once per request. A client over its rate
// gets 429 with Retry-After.
import type { MiddlewareHandler } from "hono";
import type { RateLimiterRpc } from "../../objects/rate-limiter.ts";
import { problem } from "../platform/problem.ts";
import type { Telemetry } from "../platform/telemetry/emitter.ts";
import type { AppEnv } from "../env.ts";
import { callDurable } from "../platform/durable-call.ts";

const DEFAULT_RPS = 50;
const LEASE_MS = 1_000;

export const rateLimit = (telemetry: Telemetry): MiddlewareHandler<AppEnv> => {
  const leases = new Map<string, { remaining: number; until: number }>();
  return async (c, next) => {
    const principal = c.get("principal");
    const rate = principal.rps ?? (Number(c.env.JIDO_RATE_LIMIT_RPS) || DEFAULT_RPS);
    const key = `${principal.tenant}/${principal.tokenId}`;
    const now = Date.now();
    let lease = leases.get(key);
    if (!lease || lease.remaining <= 0 || lease.until <= now) {
      const namespace = c.env.RATE_LIMITS;
      const id = namespace.idFromName(key);
      const wanted = Math.max(1, Math.floor(rate / 10));
      const granted = await callDurable("ratelimit.lease", () => (namespace.get(id) as unknown as RateLimiterRpc).lease({ wanted, rate, burst: rate * 2 }), telemetry);
      if (granted.granted === 0) {
        telemetry.emit("security.rate_limited", { count: 1 }, { tenant: principal.tenant });
        throw problem(429, "rate-limited", "Too many requests", `This token may make ${rate} requests per second.`, {
          retryAfter: Math.max(1, Math.ceil(granted.retryAfterMs / 1000)),
        });
      }
      if (leases.size > 10_000) leases.clear();
      lease = { remaining: granted.granted, until: now + LEASE_MS };
      leases.set(key, lease);
    }
    lease.remaining -= 1;
    await next();
  };
};
