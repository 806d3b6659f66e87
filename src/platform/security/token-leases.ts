// Why: the Worker spends a token's rate-limit allowance in batches leased from the token's
// RateLimiter object (rate-admission.ts). Under load several requests of one isolate
// may renew at once (each in its own context: own-loads.ts), and every batch the object
// granted must stay spendable: a renewal that replaced the lease threw away what was left
// of the one before, so an isolate drained the token's bucket with batches it never used
// and answered 429 to a token far below its rate (seen at 1,000,000 rps under 64
// concurrent run starts). A batch added while tokens are held joins them, all valid for
// `leaseMs` from the newest grant (an older grant's tokens may so outlive their second by
// less than one more: the object counted them when it granted them).

export type TokenLeases = {
  /** Spends one held token of `key`; false when none is held or the lease expired. */
  spend(key: string, now: number): boolean;
  /** Whether `key` holds a token it may spend at `now`. */
  holds(key: string, now: number): boolean;
  /** Adds a batch the object granted at `now` to what `key` holds. */
  add(key: string, granted: number, now: number): void;
};

type Lease = { remaining: number; until: number };

export const createTokenLeases = (options: { leaseMs: number; maxKeys: number }): TokenLeases => {
  const leases = new Map<string, Lease>();
  const valid = (key: string, now: number): Lease | undefined => {
    const lease = leases.get(key);
    return lease !== undefined && lease.remaining > 0 && lease.until > now ? lease : undefined;
  };
  return {
    spend(key, now) {
      const lease = valid(key, now);
      if (lease === undefined) return false;
      lease.remaining -= 1;
      return true;
    },
    holds: (key, now) => valid(key, now) !== undefined,
    add(key, granted, now) {
      const held = valid(key, now)?.remaining ?? 0;
      if (granted <= 0 && held > 0) return;
      if (!leases.has(key) && leases.size >= options.maxKeys) leases.delete(leases.keys().next().value as string);
      leases.set(key, { remaining: held + Math.max(0, granted), until: now + options.leaseMs });
    },
  };
};
