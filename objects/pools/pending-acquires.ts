// A ResourcePool's waiting acquires: a waiter IS a held RPC, the acquire's promise, kept in
// memory with the way to settle it (a lease, or a problem) and its deadline's timer. This
// file holds what such a waiter is, how it is held, and the lease row it is granted, so
// resource-pool.ts keeps only the decisions of when to hold, grant or give up.
import type { acquireRequestSchema, LeaseView } from "../../src/platform/pools/schemas.ts";
import { newLeaseId } from "../../src/platform/pools/lease-id.ts";
import type { LeaseRow } from "./lease-store.ts";

export type Pending = {
  request: ReturnType<typeof acquireRequestSchema.parse>;
  /** The arrival time the Worker sent (before clamping): with the id, it names the attempt. */
  sentSince: number;
  promise: Promise<LeaseView>;
  settle: (outcome: { lease: LeaseView } | { error: unknown }) => void;
  timer: ReturnType<typeof setTimeout> | null;
};

/** Holds an acquire as waiter `waiterId` in `pending` until it is settled (which also clears its timer and lets it go). */
export const holdAcquire = (pending: Map<string, Pending>, waiterId: string, request: Pending["request"], sentSince: number): Pending => {
  let settle!: Pending["settle"];
  const promise = new Promise<LeaseView>((resolve, reject) => {
    settle = (outcome) => {
      const held = pending.get(waiterId);
      if (held?.timer) clearTimeout(held.timer);
      pending.delete(waiterId);
      if ("lease" in outcome) resolve(outcome.lease);
      else reject(outcome.error);
    };
  });
  const held: Pending = { request, sentSince, promise, settle, timer: null };
  pending.set(waiterId, held);
  return held;
};

/** The lease a waiter of pool `pool` is granted at `now`. */
export const leaseRowFor = (pool: string, { request }: Pending, now: number): LeaseRow => ({
  id: newLeaseId(pool),
  requester: request.requester,
  request_key: request.key,
  units: request.units,
  priority: request.priority,
  granted_at: now,
  expires_at: now + request.leaseMs,
  lease_ms: request.leaseMs,
  waited_ms: Math.max(0, now - request.since),
});
