// The `data_processor` demo agent: the seed's DataProcessor with its full declaration.
// Its one action parses a JSON or CSV payload, validates and normalises the records,
// and keeps count of what it has processed.
import { z } from "zod";
import { ActionError } from "../../platform/agent/action-error.ts";
import { defineAgent } from "../../platform/agent/define-agent.ts";
import { processPayload } from "./pipeline.ts";

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const stateSchema = z.strictObject({
  batches: z.number().int().min(0),
  records: z.number().int().min(0),
  rejected: z.number().int().min(0),
  bytes: z.number().int().min(0),
  byFormat: z.strictObject({ json: z.number().int().min(0), csv: z.number().int().min(0) }),
  startedAt: z.number().int().nullable(),
  lastProcessedAt: z.number().int().nullable(),
});

export const dataProcessorAgent = defineAgent({
  name: "data_processor",
  version: "1.0.0",
  description: "Processes incoming data streams",
  capabilities: {
    processing: ["stream", "batch"],
    formats: ["json", "csv"],
    throughput: { value: 1000, per: "second" },
  },
  resources: { memory: "512MB", cpu: { cores: 2 }, storage: "10GB" },
  lifecycle: {
    startupTimeout: 30_000,
    shutdownGracePeriod: 60_000,
    onStart: (ctx) => {
      ctx.log.info("connections initialised", { agent: ctx.agentId });
      return { state: { ...ctx.state, startedAt: ctx.now() } };
    },
    onTerminate: (ctx) => {
      ctx.log.info("resources cleaned up", { agent: ctx.agentId, records: ctx.state.records });
      ctx.emit("data.processor.terminated", { records: ctx.state.records, batches: ctx.state.batches });
    },
  },
  resilience: {
    circuitBreaker: { threshold: 5, resetTimeout: 30_000 },
    retry: { strategy: "exponential", maxAttempts: 3 },
    bulkhead: { maxConcurrent: 100 },
  },
  observability: {
    metrics: ["throughput", "latency", "error_rate"],
    tracing: { sampleRate: 0.1 },
    logLevel: "info",
  },
  state: {
    schema: stateSchema,
    initial: { batches: 0, records: 0, rejected: 0, bytes: 0, byFormat: { json: 0, csv: 0 }, startedAt: null, lastProcessedAt: null },
  },
  actions: (action) => ({
    process_stream: action({
      description: "Parses a JSON or CSV payload, validates each record, normalises keys and values, and counts the work.",
      input: z.strictObject({
        format: z.enum(["json", "csv"]),
        payload: z.string().max(512 * 1024),
        options: z.strictObject({ delimiter: z.string().length(1).optional(), header: z.boolean().optional() }).optional(),
      }),
      output: z.strictObject({
        processed: z.number().int(),
        rejected: z.array(z.strictObject({ index: z.number().int(), reason: z.string() })),
        records: z.array(z.record(z.string(), scalar)),
      }),
      run: (input, ctx) => {
        const outcome = processPayload(input);
        if (!outcome.ok) throw new ActionError("parse_error", outcome.message);
        const state = ctx.state;
        const next = {
          ...state,
          batches: state.batches + 1,
          records: state.records + outcome.records.length,
          rejected: state.rejected + outcome.rejected.length,
          bytes: state.bytes + outcome.bytes,
          byFormat: { ...state.byFormat, [input.format]: state.byFormat[input.format] + 1 },
          lastProcessedAt: ctx.now(),
        };
        ctx.emit("data.processed", { format: input.format, processed: outcome.records.length, rejected: outcome.rejected.length });
        return { result: { processed: outcome.records.length, rejected: outcome.rejected, records: outcome.records }, state: next };
      },
    }),
  }),
});
