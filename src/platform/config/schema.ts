// The configuration document of one tenant, as a zod schema in the seed's sections
// (platform, agents, infrastructure) plus the tenant's feature flags. Every setting
// here is read by a running component (see README "Configuration"); defaults come from
// the deployment's variables (wrangler.toml [vars]) through `configDefaults`.
// A `null` agent setting means "each agent type's own" (its defineAgent value).
import { z } from "zod";
import { flagKeySchema, flagSchema } from "../flags/flag.ts";

/** Flags a tenant may hold; rules per flag are bounded by the flag schema. */
export const MAX_FLAGS = 500;

export const configSchema = z.strictObject({
  platform: z.strictObject({
    clusterName: z.string().min(1).max(128),
    environment: z.enum(["production", "staging", "development", "test"]),
  }),
  agents: z.strictObject({
    /** Milliseconds an action attempt may take when the action declares no timeout; null: the type's defaultActionTimeout. */
    defaultTimeoutMs: z.number().int().min(1).max(900_000).nullable(),
    /** Calls that may wait for an agent beyond those running; null: the type's bulkhead.maxQueue. Lower of the two applies. */
    maxQueueSize: z.number().int().min(0).max(100_000).nullable(),
  }),
  infrastructure: z.strictObject({
    /** Consecutive failures that open an agent's circuit breaker; null: the type's resilience.circuitBreaker.threshold. */
    circuitBreakerThreshold: z.number().int().min(1).max(10_000).nullable(),
    rateLimit: z.strictObject({
      /** Requests per second per token (a token's `rps` claim wins). */
      rps: z.number().positive().max(1_000_000),
    }),
    /** What the tenant's agents may reserve of the resources their types declare; null: unlimited (README "Quotas"). */
    quotas: z.strictObject({
      memoryMb: z.number().positive().max(1e12).nullable(),
      cpu: z.number().positive().max(1e9).nullable(),
      storageMb: z.number().positive().max(1e12).nullable(),
      /** Quota shards the budget is split over (each holds 1/N of every quota), by a hash of the agent id. */
      shards: z.number().int().min(1).max(64),
    }),
  }),
  flags: z.record(flagKeySchema, flagSchema).refine((flags) => Object.keys(flags).length <= MAX_FLAGS, `at most ${MAX_FLAGS} flags`),
});

export type Config = z.output<typeof configSchema>;

/** The variables defaults are read from (all optional strings, as the Worker's env holds them). */
export type ConfigVars = {
  JIDO_RATE_LIMIT_RPS?: string | undefined;
  JIDO_CLUSTER_NAME?: string | undefined;
  JIDO_ENVIRONMENT?: string | undefined;
  JIDO_QUOTA_MEMORY_MB?: string | undefined;
  JIDO_QUOTA_CPU?: string | undefined;
  JIDO_QUOTA_STORAGE_MB?: string | undefined;
  JIDO_QUOTA_SHARDS?: string | undefined;
};

export const DEFAULT_QUOTA_SHARDS = 4;

/** A quota from a variable: a positive number, else (0, empty, malformed) unlimited. */
const quotaOf = (text: string | undefined): number | null => {
  const value = Number(text?.trim() || Number.NaN);
  return Number.isFinite(value) && value > 0 ? value : null;
};

const shardsOf = (text: string | undefined): number => {
  const value = Number(text?.trim() || Number.NaN);
  return Number.isInteger(value) && value >= 1 && value <= 64 ? value : DEFAULT_QUOTA_SHARDS;
};

export const DEFAULT_RPS = 50;

const positiveOr = (text: string | undefined, fallback: number): number => {
  const value = Number(text?.trim() || Number.NaN);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

/** The configuration of a tenant that changed nothing: the deployment's variables, else the built-in defaults. */
export const configDefaults = (vars: ConfigVars): Config => {
  const environment = configSchema.shape.platform.shape.environment.safeParse(vars.JIDO_ENVIRONMENT?.trim());
  return {
    platform: { clusterName: vars.JIDO_CLUSTER_NAME?.trim() || "jido", environment: environment.success ? environment.data : "production" },
    agents: { defaultTimeoutMs: null, maxQueueSize: null },
    infrastructure: {
      circuitBreakerThreshold: null,
      rateLimit: { rps: Math.min(1_000_000, positiveOr(vars.JIDO_RATE_LIMIT_RPS, DEFAULT_RPS)) },
      quotas: {
        memoryMb: quotaOf(vars.JIDO_QUOTA_MEMORY_MB),
        cpu: quotaOf(vars.JIDO_QUOTA_CPU),
        storageMb: quotaOf(vars.JIDO_QUOTA_STORAGE_MB),
        shards: shardsOf(vars.JIDO_QUOTA_SHARDS),
      },
    },
    flags: {},
  };
};
