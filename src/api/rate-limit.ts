// Per-token rate limiting: a token bucket in a RateLimiter object per token, leased in
// small batches (a tenth of a second's allowance, held at most a second) so that the
// object is asked once per batch rather than once per request. A client over its rate
// gets 429 with Retry-After. The rate is the token's `rps` claim, else the tenant's
// configuration (infrastructure.rateLimit.rps, read through the staleness-bounded reader).
// The admission (spend, renew, refuse) is src/platform/security/rate-admission.ts; a request
// renews in its own context: while another request's renewal is under way it waits on its
// own short timer for that lease (a request may not await another request's I/O: workerd
// cancels it as hung), and renews itself if none comes (own-loads.ts).
import type { MiddlewareHandler } from "hono";
import { problem } from "../platform/problem.ts";
import type { Telemetry } from "../platform/telemetry/emitter.ts";
import type { AppEnv } from "../env.ts";
import { callDurable } from "../platform/durable-call.ts";
import { typedStub } from "../../objects/durable/index.ts";
import { readConfig } from "../../objects/config/index.ts";
import { createRateAdmission } from "../platform/security/rate-admission.ts";

export const rateLimit = (telemetry: Telemetry): MiddlewareHandler<AppEnv> => {
  // Batches held at most a second; a request waits for another's renewal up to 40 x 5 ms, then renews itself.
  const admit = createRateAdmission({ leaseMs: 1_000, maxKeys: 10_000, waitMs: 5, maxWaits: 40 });

  return async (c, next) => {
    const principal = c.get("principal");
    const rate = principal.rps ?? (await readConfig(c.env, principal.tenant, telemetry)).config.infrastructure.rateLimit.rps;
    const key = `${principal.tenant}/${principal.tokenId}`;
    const namespace = c.env.RATE_LIMITS;
    const admission = await admit(key, rate, (wanted) =>
      callDurable("ratelimit.lease", () => typedStub(namespace.get(namespace.idFromName(key))).lease({ wanted, rate, burst: rate * 2 }), telemetry),
    );
    if (!admission.admitted) {
      telemetry.emit("security.rate_limited", { count: 1 }, { tenant: principal.tenant });
      throw problem(429, "rate-limited", "Too many requests", `This token may make ${rate} requests per second.`, {
        retryAfter: Math.max(1, Math.ceil(Math.max(admission.retryAfterMs, 1) / 1000)),
      });
    }
    await next();
  };
};
