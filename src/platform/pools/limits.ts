// Why: every input a pool takes is bounded, so a request can neither wait forever, hold
// units forever without renewing, nor grow a pool's queue or a tenant's pool list without
// end. README "Resource pools" documents these numbers.
export const POOL_LIMITS = {
  /** Pool names are ids of at most this many characters (a lease id adds 33). */
  nameChars: 64,
  maxCapacity: 10_000,
  /** Pools one tenant may create; one more is 409. */
  maxPoolsPerTenant: 100,
  /** Requests one pool may hold waiting (its `maxWaiters`, default this); one more is 503 with Retry-After. */
  maxWaiters: 1_000,
  maxTimeoutMs: 60_000,
  defaultTimeoutMs: 5_000,
  minLeaseMs: 1_000,
  maxLeaseMs: 3_600_000,
  defaultLeaseMs: 30_000,
  /** Requesters a pool may name a weight for, and each weight's range. */
  maxWeights: 100,
  maxWeight: 1_000,
  /** Waiting this long lifts a request one priority level (low reaches critical after 3). */
  agingMs: 5_000,
  /** How long, and how many, acquire attempts a pool remembers for a client's hang-up arriving late (hang-ups.ts). */
  hangUpKeepMs: 60_000,
  hangUpEntries: 1_000,
} as const;
