// The data half of an agent definition (everything but schemas and functions), as a
// zod schema with the platform's defaults. Parsed once when `defineAgent` runs; the
// result is what `GET /v1/agent-types` lists and what the runtime's primitives use.
import { z } from "zod";
import { AGENT_METRIC_NAMES } from "../metrics/catalog.ts";
import { fieldErrors } from "../zod-issues.ts";
import { normaliseResources, type Resources, resourcesSchema } from "./resources.ts";
import { supervisionSchema } from "./supervision.ts";

const jsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

const ms = (fallback: number) => z.number().int().positive().default(fallback);

const settingsSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, "must be 1-64 characters of a-z 0-9 _ starting with a letter"),
  version: z.string().regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, "must be a semantic version such as 1.0.0"),
  description: z.string().max(1000).default(""),
  capabilities: z.record(z.string(), jsonValue).default({}),
  resources: resourcesSchema.default({}),
  lifecycle: z
    .strictObject({
      startupTimeout: ms(30_000),
      shutdownGracePeriod: ms(60_000),
      onStart: z.unknown().optional(),
      onTerminate: z.unknown().optional(),
      onConfigChange: z.unknown().optional(),
      onHealthCheck: z.unknown().optional(),
    })
    .prefault({}),
  resilience: z
    .strictObject({
      circuitBreaker: z
        .strictObject({
          threshold: z.number().int().min(1).default(5),
          resetTimeout: ms(30_000),
          halfOpenMaxCalls: z.number().int().min(1).default(1),
        })
        .prefault({}),
      retry: z
        .strictObject({
          strategy: z.enum(["exponential", "linear", "none"]).default("exponential"),
          maxAttempts: z.number().int().min(1).max(20).default(3),
          baseDelay: z.number().int().min(0).default(100),
          maxDelay: z.number().int().min(0).default(2_000),
          jitter: z.enum(["none", "full", "equal"]).default("full"),
        })
        .refine((r) => r.maxDelay >= r.baseDelay, { message: "maxDelay must be >= baseDelay", path: ["maxDelay"] })
        .prefault({}),
      bulkhead: z
        .strictObject({
          maxConcurrent: z.number().int().min(1).default(100),
          maxQueue: z.number().int().min(0).default(100),
        })
        .prefault({}),
      defaultActionTimeout: ms(30_000),
    })
    .prefault({}),
  /** Restart policy and health checks (README "Supervision"). */
  supervision: supervisionSchema,
  observability: z
    .strictObject({
      // Which agent metrics the type records (catalog.ts AGENT_METRICS); empty: all of them.
      metrics: z.array(z.enum(AGENT_METRIC_NAMES)).default([]),
      // Without a rate of its own, the type's traces follow the deployment's JIDO_TRACE_SAMPLE_RATE
      // (src/platform/telemetry/sampling.ts says where each rate decides).
      tracing: z.strictObject({ sampleRate: z.number().min(0).max(1).optional() }).prefault({}),
      logLevel: z.enum(["debug", "info", "warn", "error"]).default("info"),
    })
    .prefault({}),
  // Checked by defineAgent itself; listed so that an unknown top-level key is refused.
  state: z.unknown(),
  actions: z.unknown(),
});

type ParsedSettings = z.output<typeof settingsSchema>;

export type AgentSettingsInput = Omit<z.input<typeof settingsSchema>, "state" | "actions" | "lifecycle"> & {
  lifecycle?: { startupTimeout?: number; shutdownGracePeriod?: number };
};

export type AgentSettings = Omit<ParsedSettings, "resources" | "lifecycle" | "state" | "actions"> & {
  resources: Resources;
  lifecycle: { startupTimeout: number; shutdownGracePeriod: number };
};

export const parseAgentSettings = (
  spec: unknown,
  fail: (path: string, message: string) => Error,
): AgentSettings => {
  const parsed = settingsSchema.safeParse(spec);
  if (!parsed.success) {
    const [first] = fieldErrors(parsed.error.issues);
    throw fail(first?.path ?? "(definition)", first?.message ?? "invalid");
  }
  const { resources, lifecycle, state: _state, actions: _actions, ...rest } = parsed.data;
  return {
    ...rest,
    resources: normaliseResources(resources),
    lifecycle: { startupTimeout: lifecycle.startupTimeout, shutdownGracePeriod: lifecycle.shutdownGracePeriod },
  };
};
