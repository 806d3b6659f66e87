// Why: one declaration of what a pool accepts (its configuration, an acquire, a renew)
// and of what it answers (a lease, a pool's figures), shared by the routes, which
// validate requests with it, and the objects, which parse their RPC input with it again.
import { z } from "zod";
import { canonicalJson } from "../canonical-json.ts";
import { idSchema } from "../ids.ts";
import { POOL_LIMITS } from "./limits.ts";
import { PRIORITIES } from "./scheduler.ts";

export const poolNameSchema = idSchema.refine((name) => name.length <= POOL_LIMITS.nameChars, `must be at most ${POOL_LIMITS.nameChars} characters`);

/** `sub:<token subject>` or `agent:<agent id>`. */
export const requesterSchema = z.string().min(1).max(210);

export const createPoolSchema = z.strictObject({
  name: poolNameSchema,
  capacity: z.number().int().min(1).max(POOL_LIMITS.maxCapacity),
  fairness: z.enum(["fifo", "per_requester"]).default("per_requester"),
  weights: z
    .record(requesterSchema, z.number().int().min(1).max(POOL_LIMITS.maxWeight))
    .refine((weights) => Object.keys(weights).length <= POOL_LIMITS.maxWeights, `at most ${POOL_LIMITS.maxWeights} requesters`)
    .default({}),
  /** Requests the pool holds waiting; one more is answered 503 at once. */
  maxWaiters: z.number().int().min(1).max(POOL_LIMITS.maxWaiters).default(POOL_LIMITS.maxWaiters),
});
export type CreatePool = z.output<typeof createPoolSchema>;

export const poolConfigSchema = createPoolSchema.extend({ createdAt: z.number().int() });
export type PoolConfig = z.output<typeof poolConfigSchema>;

/** Whether two configurations say the same (creating a pool again with them changes nothing). */
export const sameConfig = (a: CreatePool, b: CreatePool): boolean =>
  a.name === b.name && a.capacity === b.capacity && a.fairness === b.fairness && a.maxWaiters === b.maxWaiters && canonicalJson(a.weights) === canonicalJson(b.weights);

export const acquireBodySchema = z.strictObject({
  units: z.number().int().min(1).max(POOL_LIMITS.maxCapacity).default(1),
  priority: z.enum(PRIORITIES).default("normal"),
  timeoutMs: z.number().int().min(0).max(POOL_LIMITS.maxTimeoutMs).default(POOL_LIMITS.defaultTimeoutMs),
  leaseMs: z.number().int().min(POOL_LIMITS.minLeaseMs).max(POOL_LIMITS.maxLeaseMs).default(POOL_LIMITS.defaultLeaseMs),
});
export type AcquireBody = z.input<typeof acquireBodySchema>;

export const renewBodySchema = z.strictObject({
  leaseMs: z.number().int().min(POOL_LIMITS.minLeaseMs).max(POOL_LIMITS.maxLeaseMs).optional(),
});

/** An acquire as the pool object receives it: the body, plus who asks and since when. */
export const acquireRequestSchema = acquireBodySchema.extend({
  requester: requesterSchema,
  /** Names the request across retries: the same requester and key answer the same lease. */
  key: z.string().min(1).max(300),
  /** When the request arrived (epoch ms): aging and the timeout count from it, also after a retry. */
  since: z.number().int(),
});
export type AcquireRequest = z.input<typeof acquireRequestSchema>;

/** The acquire attempt whose client hung up: the same requester, key and arrival time it was sent with. */
export const cancelWaiterSchema = acquireRequestSchema.pick({ requester: true, key: true, since: true }).strict();
export type CancelWaiter = z.input<typeof cancelWaiterSchema>;

export const leaseRequestSchema = z.strictObject({
  leaseId: idSchema,
  requester: requesterSchema,
  /** Whether the caller may act on any requester's lease (pools:admin). */
  anyRequester: z.boolean(),
  leaseMs: renewBodySchema.shape.leaseMs,
});
export type LeaseRequest = z.input<typeof leaseRequestSchema>;

export const poolAddressSchema = z.strictObject({ tenant: idSchema, pool: poolNameSchema });
export type PoolAddress = z.input<typeof poolAddressSchema>;

export type LeaseView = {
  id: string;
  pool: string;
  requester: string;
  units: number;
  priority: (typeof PRIORITIES)[number];
  grantedAt: string;
  expiresAt: string;
  leaseMs: number;
  waitedMs: number;
};

export type PoolConfigView = {
  name: string;
  capacity: number;
  fairness: "fifo" | "per_requester";
  weights: Record<string, number>;
  maxWaiters: number;
  createdAt: string;
};

export type PoolView = PoolConfigView & {
  inUse: number;
  available: number;
  /** Requests waiting, by the priority they asked for. */
  queue: Record<(typeof PRIORITIES)[number], number>;
  holders: { requester: string; units: number; leases: number }[];
};

export const configView = (config: PoolConfig): PoolConfigView => ({
  name: config.name,
  capacity: config.capacity,
  fairness: config.fairness,
  weights: config.weights,
  maxWaiters: config.maxWaiters,
  createdAt: new Date(config.createdAt).toISOString(),
});
