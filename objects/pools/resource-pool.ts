// ResourcePool: one Durable Object per tenant and pool. It holds the pool's configuration
// and granted leases in SQLite, and its waiting requests in memory: a waiter IS a held
// RPC (the acquire's promise), so it lives exactly as long as its request. When the object
// restarts every held request breaks with it; the Worker retries the acquire with the same
// key, arrival time and deadline, so it keeps its place in aging and its timeout, and a
// request whose caller went away does not come back. A grant writes the lease before the
// acquire is answered (the output gate holds the answer until the write is durable). Leases
// expire unless renewed; the alarm, armed at the earliest expiry, reclaims their units and
// grants the waiters they unblock. When the Worker says an acquire's client hung up
// (`cancelWaiter`), its waiter leaves the queue, or the lease granted to it as it hung up
// is released (hang-ups.ts). The order of grants is decided in src/platform/pools; the
// waiters themselves are in pending-acquires.ts, the problems and view in pool-answers.ts.
import { DurableObject } from "cloudflare:workers";
import { POOL_LIMITS } from "../../src/platform/pools/limits.ts";
import {
  type AcquireRequest,
  acquireRequestSchema,
  type CancelWaiter,
  cancelWaiterSchema,
  type CreatePool,
  type LeaseRequest,
  leaseRequestSchema,
  type LeaseView,
  type PoolAddress,
  poolAddressSchema,
  poolConfigSchema,
  type PoolConfig,
  type PoolView,
  sameConfig,
} from "../../src/platform/pools/schemas.ts";
import { FairQueue, type Waiter } from "../../src/platform/pools/scheduler.ts";
import { HangUps } from "../../src/platform/pools/hang-ups.ts";
import { conflict, notFound, validationProblem } from "../../src/platform/problem.ts";
import { asResult, type Result } from "../../src/platform/result.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import { createLogger } from "../../src/platform/telemetry/logger.ts";
import { createLeaseStore, type LeaseRow, type LeaseStore, leaseView } from "./lease-store.ts";
import { holdAcquire, leaseRowFor, type Pending } from "./pending-acquires.ts";
import { clientGone, poolExhausted, poolView, queueFull } from "./pool-answers.ts";

const log = createLogger({ base: { component: "pool" } });

export class ResourcePool extends DurableObject<Env> {
  #store: LeaseStore;
  /** The alarm time this object set (null: none known), so arming needs no storage read. */
  #alarmAt: number | null = null;
  #config: (PoolConfig & { tenant: string }) | null = null;
  #queue: FairQueue | null = null;
  #inUse = 0;
  readonly #pending = new Map<string, Pending>();
  readonly #hangUps = new HangUps({ keepMs: POOL_LIMITS.hangUpKeepMs, maxEntries: POOL_LIMITS.hangUpEntries });

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = createLeaseStore(ctx.storage.sql);
    void ctx.blockConcurrencyWhile(async () => {
      this.#load();
      // Re-armed from the stored deadlines, so an expiry is reclaimed after a restart too.
      const next = this.#store.nextExpiry();
      if (next !== null) {
        await ctx.storage.setAlarm(next);
        this.#alarmAt = next;
      }
    });
  }

  #load(): void {
    this.#config = this.#store.config();
    this.#inUse = this.#store.inUse();
    const weights = this.#config?.weights ?? {};
    this.#queue = this.#config
      ? new FairQueue({ fairness: this.#config.fairness, agingMs: POOL_LIMITS.agingMs, weightOf: (requester) => weights[requester] ?? 1 })
      : null;
  }

  /** The pool at `address`: 404 unless it was created under this very tenant and name. */
  #require(raw: PoolAddress): { config: PoolConfig & { tenant: string }; queue: FairQueue } {
    const at = parseOrProblem(poolAddressSchema, raw, "address");
    const config = this.#config;
    if (!config || !this.#queue || config.tenant !== at.tenant || config.name !== at.pool) throw notFound("Pool", at.pool);
    return { config, queue: this.#queue };
  }

  /** Creates the pool, or answers it when it exists with the same configuration (409 otherwise). */
  configure(at: PoolAddress, raw: PoolConfig): Promise<Result<{ created: boolean; pool: PoolView }>> {
    return asResult(() => {
      const address = parseOrProblem(poolAddressSchema, at, "address");
      const config = parseOrProblem(poolConfigSchema, raw, "config");
      if (config.name !== address.pool) throw validationProblem([{ path: "config.name", message: "must be the pool's name" }]);
      if (this.#config) {
        if (this.#config.tenant !== address.tenant || !sameConfig(this.#config, config as CreatePool)) {
          throw conflict(`Pool '${address.pool}' exists with another configuration; delete it first to change it.`);
        }
        return { created: false, pool: this.#view() };
      }
      this.#store.saveConfig(address.tenant, config);
      this.#load();
      return { created: true, pool: this.#view() };
    });
  }

  view(at: PoolAddress): Promise<Result<PoolView>> {
    return asResult(() => {
      this.#require(at);
      this.#reclaim(Date.now());
      return this.#view();
    });
  }

  /**
   * Grants a lease at once when the pool's turn order allows, or holds the request in the
   * queue until it does (200), until its deadline (503 with Retry-After), or until the
   * pool is deleted (404). The same requester and key answer the same lease.
   */
  acquire(at: PoolAddress, raw: AcquireRequest): Promise<Result<LeaseView>> {
    return asResult(() => {
      const { config, queue } = this.#require(at);
      const request = parseOrProblem(acquireRequestSchema, raw, "request");
      if (request.units > config.capacity) {
        throw validationProblem([{ path: "units", message: `must be at most the pool's capacity (${config.capacity})` }]);
      }
      const now = Date.now();
      this.#reclaim(now);
      const granted = this.#store.findByRequest(request.requester, request.key);
      if (granted) return leaseView(config.name, granted);
      const waiterId = `${request.requester}\n${request.key}`;
      if (this.#hangUps.wasCancelled(waiterId, request.since, now)) throw clientGone(config.name);
      const waiting = this.#pending.get(waiterId);
      if (waiting) return waiting.promise;
      if (queue.size >= config.maxWaiters) throw queueFull(config.name, config.maxWaiters, this.#store.nextExpiry(), now);
      // A retried request keeps the arrival time it was first given, within the longest wait.
      const since = Math.min(now, Math.max(request.since, now - POOL_LIMITS.maxTimeoutMs));
      const pending = holdAcquire(this.#pending, waiterId, { ...request, since }, request.since);
      queue.enqueue({ id: waiterId, requester: request.requester, units: request.units, priority: request.priority, since });
      this.#pump(now);
      if (this.#pending.has(waiterId)) {
        const left = since + request.timeoutMs - now;
        if (left <= 0) this.#expire(waiterId);
        else pending.timer = setTimeout(() => this.#expire(waiterId), left);
      }
      return pending.promise;
    });
  }

  /**
   * The client of an acquire attempt hung up: its waiter leaves the queue (its units go to
   * the next), or the lease granted to it meanwhile is released; an attempt not seen yet
   * is refused when it arrives.
   */
  cancelWaiter(at: PoolAddress, raw: CancelWaiter): Promise<Result<{ outcome: "dequeued" | "released" | "unknown" }>> {
    return asResult(() => {
      const { config, queue } = this.#require(at);
      const request = parseOrProblem(cancelWaiterSchema, raw, "request");
      const now = Date.now();
      const waiterId = `${request.requester}\n${request.key}`;
      const pending = this.#pending.get(waiterId);
      if (pending && pending.sentSince === request.since && queue.remove(waiterId)) {
        pending.settle({ error: clientGone(config.name) });
        this.#pump(now); // it may have been the head, blocking smaller ones behind it
        return { outcome: "dequeued" as const };
      }
      const leaseId = this.#hangUps.takeGrant(waiterId, request.since, now);
      const row = leaseId === null ? null : this.#store.find(leaseId);
      if (row) {
        this.#store.remove(row.id);
        this.#inUse -= row.units;
        this.#pump(now);
        return { outcome: "released" as const };
      }
      this.#hangUps.cancelled(waiterId, request.since, now);
      return { outcome: "unknown" as const };
    });
  }

  renew(at: PoolAddress, raw: LeaseRequest): Promise<Result<LeaseView>> {
    return asResult(() => {
      const { config } = this.#require(at);
      const request = parseOrProblem(leaseRequestSchema, raw, "request");
      const now = Date.now();
      this.#reclaim(now);
      const row = this.#owned(request);
      const leaseMs = request.leaseMs ?? row.lease_ms;
      this.#store.extend(row.id, now + leaseMs, leaseMs);
      this.#armAlarm();
      return leaseView(config.name, { ...row, expires_at: now + leaseMs, lease_ms: leaseMs });
    });
  }

  release(at: PoolAddress, raw: LeaseRequest): Promise<Result<LeaseView>> {
    return asResult(() => {
      const { config } = this.#require(at);
      const request = parseOrProblem(leaseRequestSchema, raw, "request");
      const now = Date.now();
      this.#reclaim(now);
      const row = this.#owned(request);
      this.#store.remove(row.id);
      this.#inUse -= row.units;
      this.#pump(now);
      return leaseView(config.name, row);
    });
  }

  /** Deletes the pool: its waiters are answered 404, its leases and configuration removed. */
  destroy(at: PoolAddress): Promise<Result<{ existed: boolean }>> {
    return asResult(async () => {
      const address = parseOrProblem(poolAddressSchema, at, "address");
      if (!this.#config || this.#config.tenant !== address.tenant) return { existed: false };
      for (const [id, pending] of this.#pending) {
        this.#queue?.remove(id);
        pending.settle({ error: notFound("Pool", address.pool) });
      }
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
      this.#alarmAt = null;
      this.#store = createLeaseStore(this.ctx.storage.sql);
      this.#config = null;
      this.#queue = null;
      this.#inUse = 0;
      return { existed: true };
    });
  }

  /** Reclaims expired leases and grants the waiters their units unblock; re-arms for the next expiry. */
  override async alarm(): Promise<void> {
    this.#alarmAt = null;
    if (!this.#config) return;
    const now = Date.now();
    this.#reclaim(now);
    this.#pump(now);
    this.#armAlarm();
  }

  /** A live lease of the requester (or any, for an admin); 404 for one expired, released or someone else's. */
  #owned(request: ReturnType<typeof leaseRequestSchema.parse>): LeaseRow {
    const row = this.#store.find(request.leaseId);
    if (!row || (!request.anyRequester && row.requester !== request.requester)) throw notFound("Lease", request.leaseId);
    return row;
  }

  /** The waiter's deadline passed: it leaves the queue, answered 503 with Retry-After. */
  #expire(waiterId: string): void {
    const pending = this.#pending.get(waiterId);
    if (!pending || !this.#queue?.remove(waiterId)) return;
    const now = Date.now();
    pending.settle({ error: poolExhausted(this.#config?.name ?? "", pending, this.#store.nextExpiry(), now) });
    // The head may have been this waiter, blocking smaller ones behind it.
    this.#pump(now);
  }

  /** Grants, in the scheduler's order, every waiter that fits; each lease is stored before its waiter is answered. */
  #pump(now: number): void {
    const config = this.#config;
    if (!config || !this.#queue) return;
    const granted = this.#queue.grant(config.capacity - this.#inUse, now);
    if (granted.length === 0) return;
    for (const waiter of granted) this.#grant(config.name, waiter, now);
    this.#armAlarm();
  }

  #grant(pool: string, waiter: Waiter, now: number): void {
    const pending = this.#pending.get(waiter.id);
    if (!pending) return;
    const row = leaseRowFor(pool, pending, now);
    this.#store.insert(row);
    this.#inUse += row.units;
    this.#hangUps.granted(waiter.id, pending.sentSince, row.id, now);
    pending.settle({ lease: leaseView(pool, row) });
  }

  /** Returns the units of expired leases to the pool (also between alarms, when a request comes first). */
  #reclaim(now: number): void {
    const freed = this.#store.reclaim(now);
    if (freed === 0) return;
    this.#inUse -= freed;
    this.#pump(now);
  }

  /** Sets the alarm to the earliest lease expiry (an early alarm finds nothing and re-arms). */
  #armAlarm(): void {
    const next = this.#store.nextExpiry();
    if (next === null || (this.#alarmAt !== null && this.#alarmAt <= next)) return;
    this.#alarmAt = next;
    // Not awaited: the output gate holds every answer until the alarm is written. A
    // failure leaves the alarm unknown, so the next change arms it again.
    this.ctx.storage.setAlarm(next).catch((error: unknown) => {
      if (this.#alarmAt === next) this.#alarmAt = null;
      log.error("setting the alarm failed", { at: next, error: error instanceof Error ? error.message : String(error) });
    });
  }

  #view(): PoolView {
    return poolView(this.#config!, this.#inUse, this.#queue?.waiters() ?? [], this.#store.holders());
  }
}
