// Agent types that exist only in the integration tests: they fail, hang and block on
// demand, so breaker, retry, bulkhead, timeouts and lifecycle hooks can be driven.
import { z } from "zod";
import { ActionError } from "../../src/platform/agent/action-error.ts";
import { defineAgent } from "../../src/platform/agent/define-agent.ts";
import { counterAgent } from "../../src/agents/counter.ts";

/** Gates that a test opens to let a blocked action finish (same isolate as the objects). */
export const gates = new Map<string, () => void>();

export const flakyAgent = defineAgent({
  name: "flaky",
  version: "1.0.0",
  resilience: {
    circuitBreaker: { threshold: 3, resetTimeout: 60_000 },
    retry: { strategy: "linear", maxAttempts: 3, baseDelay: 1, maxDelay: 5, jitter: "none" },
    bulkhead: { maxConcurrent: 2, maxQueue: 1 },
  },
  state: { schema: z.strictObject({ effects: z.number().int(), failuresLeft: z.number().int() }), initial: { effects: 0, failuresLeft: 0 } },
  actions: (action) => ({
    work: action({
      input: z.strictObject({ mode: z.enum(["ok", "crash", "refuse", "transient", "bad_output", "bad_state"]) }),
      output: z.strictObject({ effects: z.number().int(), attempt: z.number().int() }),
      run: ({ mode }, ctx) => {
        if (mode === "crash") throw new TypeError("boom");
        if (mode === "refuse") throw new ActionError("refused", "The input was refused.", { details: { mode } });
        if (mode === "transient" && ctx.attempt < 3) throw new ActionError("flaky", "Try again.", { retryable: true });
        if (mode === "bad_output") return { result: { effects: "many" as unknown as number, attempt: ctx.attempt } };
        if (mode === "bad_state") return { result: { effects: 0, attempt: ctx.attempt }, state: { effects: -0.5, failuresLeft: 0 } };
        const effects = ctx.state.effects + 1;
        ctx.emit("flaky.worked", { effects });
        return { result: { effects, attempt: ctx.attempt }, state: { ...ctx.state, effects } };
      },
    }),
    block: action({
      input: z.strictObject({ gate: z.string() }),
      output: z.strictObject({ effects: z.number().int() }),
      // Long enough that a loaded machine never times out a call a test holds on purpose.
      timeout: 30_000,
      run: async ({ gate }, ctx) => {
        await new Promise<void>((resolve) => gates.set(gate, resolve));
        const effects = ctx.state.effects + 1;
        return { result: { effects }, state: { ...ctx.state, effects } };
      },
    }),
    hang: action({
      input: z.strictObject({}),
      output: z.strictObject({}),
      timeout: 50,
      run: () => new Promise<never>(() => undefined),
    }),
    mutate: action({
      input: z.strictObject({}),
      output: z.strictObject({}),
      run: (_input, ctx) => {
        (ctx.state as { effects: number }).effects = 999;
        return { result: {} };
      },
    }),
  }),
});

export const hookedAgent = defineAgent({
  name: "hooked",
  version: "2.1.0",
  lifecycle: {
    startupTimeout: 100,
    shutdownGracePeriod: 2_000,
    onStart: async (ctx) => {
      if (ctx.state.startMode === "fail") throw new Error("cannot connect");
      if (ctx.state.startMode === "hang") await new Promise(() => undefined);
      ctx.emit("hooked.started", {});
      return { state: { ...ctx.state, started: ctx.state.started + 1 } };
    },
    onTerminate: (ctx) => {
      ctx.emit("hooked.terminated", { started: ctx.state.started });
    },
  },
  state: {
    schema: z.strictObject({ startMode: z.enum(["ok", "fail", "hang"]), started: z.number().int() }),
    initial: { startMode: "ok", started: 0 },
  },
  actions: (action) => ({
    ping: action({ input: z.strictObject({}), output: z.strictObject({ pong: z.literal(true) }), run: () => ({ result: { pong: true as const } }) }),
  }),
});

/**
 * Calls another agent from an action: `forward` through `ctx.call`, `forward_typed`
 * through the typed `ctx.agent(counterAgent, id).call`. Each inner call is checked
 * against this agent's own grants.
 */
export const relayAgent = defineAgent({
  name: "relay",
  version: "1.0.0",
  // Every action traced (where tracing is on): test/tracing shows a type's rate at work.
  observability: { tracing: { sampleRate: 1 } },
  state: { schema: z.strictObject({ relayed: z.number().int() }), initial: { relayed: 0 } },
  actions: (action) => ({
    forward: action({
      input: z.strictObject({ target: z.string(), by: z.number().int() }),
      output: z.strictObject({ value: z.number().int() }),
      run: async ({ target, by }, ctx) => {
        const answer = (await ctx.call(target, "increment", { by })) as { value: number };
        return { result: { value: answer.value }, state: { relayed: ctx.state.relayed + 1 } };
      },
    }),
    forward_typed: action({
      input: z.strictObject({ target: z.string(), by: z.number().int() }),
      output: z.strictObject({ value: z.number().int() }),
      run: async ({ target, by }, ctx) => {
        const { value } = await ctx.agent(counterAgent, target).call("increment", { by });
        return { result: { value }, state: { relayed: ctx.state.relayed + 1 } };
      },
    }),
  }),
});

/** Attempts `sink.take` has seen per `<agent id>/<n>` (same isolate as the objects). */
export const sinkAttempts = new Map<string, number>();

/**
 * The target of event-bus deliveries: `take` records `n` in order, after refusing
 * (non-retryable, so one attempt per delivery) its first `failTimes` attempts.
 */
export const sinkAgent = defineAgent({
  name: "sink",
  version: "1.0.0",
  resilience: { retry: { strategy: "none", maxAttempts: 1 } },
  state: { schema: z.strictObject({ received: z.array(z.number().int()) }), initial: { received: [] } },
  actions: (action) => ({
    take: action({
      input: z.strictObject({ n: z.number().int(), failTimes: z.number().int().min(0).default(0) }),
      output: z.strictObject({ received: z.array(z.number().int()) }),
      run: ({ n, failTimes }, ctx) => {
        const key = `${ctx.agentId}/${n}`;
        const attempt = (sinkAttempts.get(key) ?? 0) + 1;
        sinkAttempts.set(key, attempt);
        if (attempt <= failTimes) throw new ActionError("not_yet", `Refusing attempt ${attempt} for ${n}.`);
        const received = [...ctx.state.received, n];
        return { result: { received }, state: { received } };
      },
    }),
  }),
});

/** The JSON of `{"pad": "..."}` is this many characters longer than its pad. */
const PAD_JSON = '{"pad":""}'.length;
const padOf = (char: string, jsonChars: number): { pad: string } => ({ pad: char.repeat(Math.max(0, jsonChars - PAD_JSON)) });

/**
 * Writes at the documented maximum sizes: `fill` sets a state, answers a result and emits
 * events whose JSON (`{"pad": "..."}`) has exactly the sizes asked for (ASCII, so bytes).
 */
export const bulkyAgent = defineAgent({
  name: "bulky",
  version: "1.0.0",
  state: { schema: z.strictObject({ pad: z.string() }), initial: { pad: "" } },
  actions: (action) => ({
    fill: action({
      input: z.strictObject({
        stateBytes: z.number().int().min(0).optional(),
        outputBytes: z.number().int().min(0).default(PAD_JSON),
        events: z.number().int().min(0).max(200).default(0),
        eventBytes: z.number().int().min(0).default(PAD_JSON),
      }),
      output: z.strictObject({ pad: z.string() }),
      run: (input, ctx) => {
        for (let n = 0; n < input.events; n++) ctx.emit("bulky.filled", padOf("e", input.eventBytes));
        return { result: padOf("o", input.outputBytes), state: input.stateBytes === undefined ? ctx.state : padOf("s", input.stateBytes) };
      },
    }),
  }),
});

/** Reads its tenant's configuration and flags, and records each configuration change it is told of. */
export const configuredAgent = defineAgent({
  name: "configured",
  version: "1.0.0",
  lifecycle: {
    onConfigChange: (ctx, change) => {
      ctx.emit("configured.reconfigured", change);
      return { state: { changes: [...ctx.state.changes, { version: change.version, changed: change.changed }] } };
    },
  },
  state: {
    schema: z.strictObject({ changes: z.array(z.strictObject({ version: z.number().int(), changed: z.array(z.string()) })) }),
    initial: { changes: [] },
  },
  actions: (action) => ({
    read: action({
      input: z.strictObject({ flag: z.string().optional() }),
      output: z.record(z.string(), z.unknown()),
      run: ({ flag }, ctx) => ({
        result: {
          rps: ctx.config.infrastructure.rateLimit.rps,
          clusterName: ctx.config.platform.clusterName,
          flag: flag === undefined ? null : ctx.flags.details(flag),
          enabled: flag === undefined ? null : ctx.flags.boolean(flag, false),
          changes: ctx.state.changes,
        },
      }),
    }),
    wait: action({
      input: z.strictObject({ ms: z.number().int().min(0).max(10_000) }),
      output: z.strictObject({ waited: z.number().int() }),
      run: async ({ ms }) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return { result: { waited: ms } };
      },
    }),
  }),
});

/** Takes units of a pool for one action (`ctx.acquire`), then succeeds or fails as asked. */
export const pooledAgent = defineAgent({
  name: "pooled",
  version: "1.0.0",
  resilience: { retry: { strategy: "linear", maxAttempts: 1, baseDelay: 1, maxDelay: 1, jitter: "none" } },
  state: { schema: z.strictObject({ runs: z.number().int() }), initial: { runs: 0 } },
  actions: (action) => ({
    use: action({
      input: z.strictObject({ pool: z.string(), units: z.number().int(), fail: z.boolean() }),
      output: z.strictObject({ lease: z.string(), requester: z.string().optional() }),
      run: async ({ pool, units, fail }, ctx) => {
        const lease = await ctx.acquire(pool, units, { timeoutMs: 0 });
        if (fail) throw new ActionError("asked_to_fail", `Failed holding ${lease.id}.`, { details: { lease: lease.id } });
        return { result: { lease: lease.id }, state: { runs: ctx.state.runs + 1 } };
      },
    }),
  }),
});

/** onStart attempts per agent id, and the ids whose health check answers unhealthy (same isolate as the objects). */
export const startAttempts = new Map<string, number>();
export const unhealthy = new Set<string>();

/**
 * Supervised (permanent, 2 restarts within a minute, no backoff, a health check every
 * second): onStart fails for the first `failFirst` attempts of an agent id, and the
 * health check answers unhealthy while the id is in `unhealthy`.
 */
export const supervisedAgent = defineAgent({
  name: "supervised",
  version: "1.0.0",
  supervision: { restart: "permanent", maxRestarts: 2, withinMs: 60_000, backoffMs: 0, healthCheck: { intervalMs: 1_000, timeoutMs: 500 } },
  lifecycle: {
    startupTimeout: 500,
    onStart: (ctx) => {
      const attempt = (startAttempts.get(ctx.agentId) ?? 0) + 1;
      startAttempts.set(ctx.agentId, attempt);
      if (attempt <= ctx.state.failFirst) throw new Error(`start ${attempt} fails`);
      return { state: { ...ctx.state, starts: ctx.state.starts + 1 } };
    },
    onHealthCheck: (ctx) => (unhealthy.has(ctx.agentId) ? { healthy: false, reason: "the database is unreachable" } : true),
  },
  state: { schema: z.strictObject({ failFirst: z.number().int(), starts: z.number().int() }), initial: { failFirst: 0, starts: 0 } },
  actions: (action) => ({
    ping: action({ input: z.strictObject({}), output: z.strictObject({ pong: z.literal(true) }), run: () => ({ result: { pong: true as const } }) }),
    /** Schedules `ping` through ctx.schedule (and cancels `cancel` if given); answers the id and how many schedules were there before. */
    plan: action({
      input: z.strictObject({ delayMs: z.number().int().optional(), cron: z.string().optional(), id: z.string().optional(), cancel: z.string().optional() }),
      output: z.strictObject({ id: z.string(), before: z.number().int() }),
      run: async ({ delayMs, cron, id, cancel }, ctx) => {
        const before = (await ctx.schedules.list()).length;
        if (cancel) ctx.schedules.cancel(cancel);
        const made = ctx.schedule({ ...(cron === undefined ? { delayMs: delayMs ?? 0 } : { cron }), action: "ping", input: {}, ...(id ? { id } : {}) });
        return { result: { id: made, before } };
      },
    }),
  }),
});
