// What a ResourcePool answers besides a lease: the problems that end an acquire (the
// queue full, the wait timed out, the client gone) with their Retry-After, and the pool's
// view. Built here, apart from resource-pool.ts, so the object holds only its state and
// the order of its operations.
import { configView, type PoolConfig, type PoolView } from "../../src/platform/pools/schemas.ts";
import { PRIORITIES, type Waiter } from "../../src/platform/pools/scheduler.ts";
import { problem } from "../../src/platform/problem.ts";
import type { Pending } from "./pending-acquires.ts";

/** Seconds to suggest before trying again: until the earliest lease expires, 1-60. */
const retryAfterSeconds = (nextExpiry: number | null, now: number): number =>
  nextExpiry === null ? 1 : Math.min(60, Math.max(1, Math.ceil((nextExpiry - now) / 1000)));

/** The answer to an attempt whose client hung up (nobody reads it; it ends the held call). */
export const clientGone = (pool: string) => problem(499, "client-closed", "Client closed the request", `The acquire from pool '${pool}' was cancelled: its client hung up.`);

/** 503: the pool already holds as many waiting requests as it may. */
export const queueFull = (pool: string, maxWaiters: number, nextExpiry: number | null, now: number) =>
  problem(503, "pool-queue-full", "Pool queue full", `Pool '${pool}' already holds ${maxWaiters} waiting requests.`, {
    retryAfter: retryAfterSeconds(nextExpiry, now),
  });

/** 503: the waiter's deadline passed before its units were free. */
export const poolExhausted = (pool: string, { request }: Pending, nextExpiry: number | null, now: number) =>
  problem(503, "pool-exhausted", "Pool exhausted", `Pool '${pool}' had no ${request.units} free units within ${request.timeoutMs} ms.`, {
    retryAfter: retryAfterSeconds(nextExpiry, now),
    extensions: { pool, waitedMs: now - request.since },
  });

/** The pool as GET /v1/pools/:name shows it: configuration, units in use and free, waiters by priority, holders. */
export const poolView = (config: PoolConfig & { tenant: string }, inUse: number, waiters: readonly Waiter[], holders: PoolView["holders"]): PoolView => {
  const queue = Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as PoolView["queue"];
  for (const waiter of waiters) queue[waiter.priority]++;
  return { ...configView(config), inUse, available: config.capacity - inUse, queue, holders };
};
