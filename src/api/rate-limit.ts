// Per-token rate limiting: a token bucket in a RateLimiter object per token, leased in
// small batches (a tenth of a second's allowance, held at most a second) so that the
// object is asked once per batch rather than once per request. A client over its rate
// gets 429 with Retry-After. The rate is the token's `rps` claim, else the tenant's
// configuration (infrastructure.rateLimit.rps, read through the staleness-bounded reader).
// A request renews in its own context: while another request's renewal is under way it
// waits on its own short timer for that lease (a request may not await another request's
// I/O: workerd cancels it as hung), and renews itself if none comes (own-loads.ts).
import type { MiddlewareHandler } from "hono";
import { problem } from "../platform/problem.ts";
import type { Telemetry } from "../platform/telemetry/emitter.ts";
import type { AppEnv, Bindings } from "../env.ts";
import { callDurable } from "../platform/durable-call.ts";
import { typedStub } from "../../objects/durable/index.ts";
import { readConfig } from "../../objects/config/index.ts";
import { createOwnLoads } from "../platform/own-loads.ts";
import { createTokenLeases } from "../platform/security/token-leases.ts";
const LEASE_MS = 1_000;
/** A request waits for another's renewal at most this many times 5 ms, then renews itself. */
const RENEWAL_WAITS = 40;

type Renewal = { retryAfterMs: number };

export const rateLimit = (telemetry: Telemetry): MiddlewareHandler<AppEnv> => {
  const leases = createTokenLeases({ leaseMs: LEASE_MS, maxKeys: 10_000 });
  // One renewal per token at a time: concurrent requests wait (each on its own timer) for
  // its lease instead of each taking a batch of their own (which would drain the bucket
  // far below the rate); a batch taken anyway joins what is held (token-leases.ts).
  const renewals = createOwnLoads<Renewal>({ waitMs: 5, maxWaits: RENEWAL_WAITS });

  const renew = (namespace: Bindings["RATE_LIMITS"], key: string, rate: number): Promise<Renewal> => {
    const wanted = Math.max(1, Math.floor(rate / 10));
    return renewals.load(
      key,
      async () => {
        const granted = await callDurable("ratelimit.lease", () => typedStub(namespace.get(namespace.idFromName(key))).lease({ wanted, rate, burst: rate * 2 }), telemetry);
        leases.add(key, granted.granted, Date.now());
        return { retryAfterMs: granted.retryAfterMs };
      },
      () => (leases.holds(key, Date.now()) ? { retryAfterMs: 0 } : undefined),
    );
  };

  return async (c, next) => {
    const principal = c.get("principal");
    const rate = principal.rps ?? (await readConfig(c.env, principal.tenant, telemetry)).config.infrastructure.rateLimit.rps;
    const key = `${principal.tenant}/${principal.tokenId}`;
    while (!leases.spend(key, Date.now())) {
      const renewed = await renew(c.env.RATE_LIMITS, key, rate);
      // Nothing granted and nothing held (waiting requests may have spent a renewal first): the limit.
      if (!leases.holds(key, Date.now())) {
        telemetry.emit("security.rate_limited", { count: 1 }, { tenant: principal.tenant });
        throw problem(429, "rate-limited", "Too many requests", `This token may make ${rate} requests per second.`, {
          retryAfter: Math.max(1, Math.ceil(Math.max(renewed.retryAfterMs, 1) / 1000)),
        });
      }
    }
    await next();
  };
};
