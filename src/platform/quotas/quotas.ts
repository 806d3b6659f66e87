// Why: tenant quotas as pure arithmetic. An agent's demand is what its type declares
// (memory, cpu, storage); a tenant's budget is split evenly over N quota shards (a hash
// of the agent id picks one), so no single object takes every spawn of a large tenant,
// at the price that one shard may refuse while another still has room (README "Quotas").
import type { Resources } from "../agent/resources.ts";
import type { Config } from "../config/schema.ts";
import { shardOf } from "../shard-hash.ts";

export const QUOTA_RESOURCES = ["memory", "cpu", "storage"] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];

/** Amounts in MiB (memory, storage) and cores (cpu). */
export type Amounts = Record<QuotaResource, number>;
/** null: unlimited. */
export type Limits = Record<QuotaResource, number | null>;

export const ZERO: Amounts = { memory: 0, cpu: 0, storage: 0 };
const MIB = 1024 ** 2;

/** What an agent of a type declaring `resources` reserves; null when it declares none. */
export const demandOf = (resources: Resources | undefined): Amounts | null => {
  if (!resources) return null;
  const demand = { memory: (resources.memoryBytes ?? 0) / MIB, cpu: resources.cpuCores ?? 0, storage: (resources.storageBytes ?? 0) / MIB };
  return demand.memory === 0 && demand.cpu === 0 && demand.storage === 0 ? null : demand;
};

export const limitsOf = (quotas: Config["infrastructure"]["quotas"]): Limits => ({ memory: quotas.memoryMb, cpu: quotas.cpu, storage: quotas.storageMb });

/** Whether any quota limits a resource the demand uses (else nothing needs reserving). */
export const limited = (demand: Amounts, limits: Limits): boolean => QUOTA_RESOURCES.some((r) => demand[r] > 0 && limits[r] !== null);

/** One shard's part of the tenant's limits. */
export const shardLimits = (limits: Limits, shards: number): Limits => ({
  memory: limits.memory === null ? null : limits.memory / shards,
  cpu: limits.cpu === null ? null : limits.cpu / shards,
  storage: limits.storage === null ? null : limits.storage / shards,
});

// Sums of fractional cores drift (0.1 + 0.2); a hair of tolerance keeps an exact fit a fit.
const EPSILON = 1e-9;

/** The first resource the demand would take past its limit, or null when it fits. */
export const exceeded = (usage: Amounts, demand: Amounts, limits: Limits): QuotaResource | null => {
  for (const r of QUOTA_RESOURCES) {
    const limit = limits[r];
    if (limit !== null && demand[r] > 0 && usage[r] + demand[r] > limit + EPSILON) return r;
  }
  return null;
};

export const add = (a: Amounts, b: Amounts, sign = 1): Amounts => ({
  memory: Math.max(0, a.memory + sign * b.memory),
  cpu: Math.max(0, a.cpu + sign * b.cpu),
  storage: Math.max(0, a.storage + sign * b.storage),
});

export const quotaShardName = (tenant: string, shard: number): string => `quota/${tenant}/${shard}`;
export const quotaShardOf = (tenant: string, agentId: string, shards: number): string => quotaShardName(tenant, shardOf(agentId, shards));

const UNIT: Record<QuotaResource, string> = { memory: "MiB of memory", cpu: "cores of cpu", storage: "MiB of storage" };
const fmt = (n: number): string => String(Math.round(n * 1000) / 1000);

export const quotaDetail = (agentId: string, resource: QuotaResource, demand: Amounts, usage: Amounts, limit: number, shards: number): string =>
  `Agent '${agentId}' needs ${fmt(demand[resource])} ${UNIT[resource]}; its quota shard holds ${fmt(usage[resource])} of ${fmt(limit)}` +
  (shards > 1 ? ` (the tenant's quota of ${fmt(limit * shards)} split over ${shards} shards)` : "") +
  ". Stop or delete agents, or raise infrastructure.quotas.";
