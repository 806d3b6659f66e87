// Why: the Worker admits each request of a token against the token's rate by spending
// tokens leased in batches from the token's RateLimiter object (src/api/rate-limit.ts
// does the call). This is the decision around that call: spend a held token, else renew
// (one renewal per token at a time in this isolate, others waiting on their own timers:
// own-loads.ts), and answer "over the limit" only when the object itself granted nothing.
// Another request's renewal seen after a late timer may be stale: under load a 5 ms timer
// can fire seconds late, after that batch's lease ran out. Such a renewal granted tokens,
// so it is no refusal: the request renews again. (A benchmark under load saw 429s for a
// token allowed 1,000,000 requests/s; this was the path to them found in the code.)
import { createOwnLoads } from "../own-loads.ts";
import { createTokenLeases } from "./token-leases.ts";

/** What the token's object answered a lease: tokens granted, and when to retry if none. */
export type LeaseGrant = { granted: number; retryAfterMs: number };
export type Admission = { admitted: true } | { admitted: false; retryAfterMs: number };

export type RateAdmissionOptions = {
  /** How long a granted batch may be spent. */
  leaseMs: number;
  /** Tokens whose leases are held at once (the oldest goes first). */
  maxKeys: number;
  /** A request waiting on another's renewal looks again every `waitMs`, at most `maxWaits` times, then renews itself. */
  waitMs: number;
  maxWaits: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
};

/** A batch is a tenth of a second's allowance (at least one token). */
const leaseBatch = (rate: number): number => Math.max(1, Math.floor(rate / 10));

export const createRateAdmission = (options: RateAdmissionOptions) => {
  const now = options.now ?? Date.now;
  const leases = createTokenLeases({ leaseMs: options.leaseMs, maxKeys: options.maxKeys });
  const renewals = createOwnLoads<LeaseGrant>({ waitMs: options.waitMs, maxWaits: options.maxWaits, ...(options.sleep ? { sleep: options.sleep } : {}) });

  /** Admits one request of token `key` at `rate` per second; `lease` asks the token's object for `wanted` tokens. */
  return async (key: string, rate: number, lease: (wanted: number) => Promise<LeaseGrant>): Promise<Admission> => {
    while (!leases.spend(key, now())) {
      const renewed = await renewals.load(
        key,
        async () => {
          const grant = await lease(leaseBatch(rate));
          leases.add(key, grant.granted, now());
          return grant;
        },
        // Another request's batch landed meanwhile: spend from it.
        () => (leases.holds(key, now()) ? { granted: 1, retryAfterMs: 0 } : undefined),
      );
      // Granted, though nothing is held now (spent by others, or a stale answer's lease ran out): try again.
      if (renewed.granted > 0) continue;
      if (leases.holds(key, now())) continue;
      return { admitted: false, retryAfterMs: renewed.retryAfterMs };
    }
    return { admitted: true };
  };
};
