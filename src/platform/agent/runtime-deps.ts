// What the agent runtime needs from its host: time, randomness, sleeping, ids,
// telemetry and logs. An object passes real ones; unit tests pass controlled ones.
import type { Logger } from "../telemetry/logger.ts";
import type { Telemetry } from "../telemetry/emitter.ts";
import type { ConfigView } from "../config/reader.ts";
import type { CacheAccess } from "../cache/access.ts";
import type { ScheduleView } from "../schedules/schedule.ts";

export type AgentIdentity = { tenant: string; id: string; type: string };

/** A call from one agent to another, as the runtime hands it to its host. */
export type AgentCallRequest = {
  from: AgentIdentity;
  to: string;
  action: string;
  input: unknown;
  /** The caller's own key and the call's position; the host derives a stable key from them. */
  key: { explicit?: string; parent: string; index: number };
};

/** An action's request for units of a pool (`ctx.acquire`), as the runtime hands it to its host. */
export type PoolAcquireRequest = {
  from: AgentIdentity;
  pool: string;
  units: number;
  options: PoolAcquireOptions;
  /** Stable across the host's retries of this one acquire. */
  key: string;
};

export type PoolAcquireOptions = { priority?: "low" | "normal" | "high" | "critical"; timeoutMs?: number; leaseMs?: number };

/** A lease an action holds; released by the runtime when the attempt ends. */
export type PoolLease = { id: string; pool: string; units: number; expiresAt: string };

export type RuntimeDeps = {
  now: () => number;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  newId: () => string;
  telemetry: Telemetry;
  log: Logger;
  /** Performs agent-to-agent calls; absent where no other agents can be reached. */
  callAgent?: (request: AgentCallRequest) => Promise<unknown>;
  /** The tenant's configuration through the staleness-bounded reader; absent: the built-in defaults. */
  readConfig?: (tenant: string) => Promise<ConfigView>;
  /** The tiered cache of a tenant (ctx.cache); absent where there is none. */
  cache?: (tenant: string) => CacheAccess;
  /** Acquires and releases pool leases; absent where no pools can be reached. */
  /** Lists the agent's committed schedules (ctx.schedules.list); absent where there are none. */
  listSchedules?: (agent: AgentIdentity) => Promise<ScheduleView[]>;
  pools?: { acquire(request: PoolAcquireRequest): Promise<PoolLease>; release(from: AgentIdentity, lease: PoolLease): Promise<void> };
};
