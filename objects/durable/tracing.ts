// Tracing's runtime side, one per isolate: the OpenTelemetry tracer provider (the
// platform's sampler, a batch span processor, the OTLP/HTTP exporter) set up from the
// deployment's variables, an AsyncLocalStorage context manager so the active span
// follows the work across awaits (workerd's node:async_hooks under nodejs_compat, checked
// to carry the context across awaits and timers), and `traceObject`, which gives every
// RPC method of a Durable Object class a server span continuing the caller's trace (the
// carrier on its address, RPC's only channel) and its alarm a span of its own; in a trace
// decided unsampled, the call runs under the trace's plain carrier instead, with no span
// or OpenTelemetry context (src/platform/telemetry/unsampled.ts). Spans are
// exported after the work, in one trailing export per interval per isolate (export-schedule.ts),
// handed to the waitUntil of the traced request or call that armed it. The exporter is OpenTelemetry's export delegate and JSON serializer over fetch (why not the
// packaged OTLPTraceExporter: src/platform/telemetry/otlp-fetch.ts).
import { AsyncLocalStorage } from "node:async_hooks";
import { type Attributes, type Context, context, type ContextManager, propagation, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { tracingConfigFrom, type TracingVars } from "../../src/platform/telemetry/otlp-config.ts";
import { createOtlpFetchExporter } from "../../src/platform/telemetry/otlp-fetch.ts";
import { PlatformSampler } from "../../src/platform/telemetry/sampler.ts";
import { ATTR_RPC_METHOD, ATTR_RPC_SYSTEM_NAME, ATTR_SAMPLE_RATE, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION, RPC_SYSTEM } from "../../src/platform/telemetry/semconv.ts";
import { enterTrace, failSpan, logTraceFields, setTracingInstalled, SpanKind, tracer } from "../../src/platform/telemetry/spans.ts";
import { ambientUnsampled, PlannedIds, setUnsampledScope, UnsampledTrace, type UnsampledScope } from "../../src/platform/telemetry/unsampled.ts";
import { createExportSchedule } from "../../src/platform/telemetry/export-schedule.ts";
import { parseTraceCarrier, type TraceCarrier } from "../../src/platform/telemetry/trace-context.ts";
import { createLogger, setAmbientLogFields } from "../../src/platform/telemetry/logger.ts";

export const SERVICE_NAME = "jido-system";
export const SERVICE_VERSION = "0.1.0";

/** How long a flush may take: the exporter's own timeout bounds each request within it. */
const FLUSH_TIMEOUT_MS = 10_000;
/**
 * Exports at most this often per isolate (at once after a quiet period): one OTLP request
 * per second carries every span sampled meanwhile, instead of one per traced request.
 */
export const EXPORT_INTERVAL_MS = 1_000;

/** OpenTelemetry's active context, or an unsampled trace's plain carrier in its place (one storage, entered once per scope). */
class AsyncLocalContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context | UnsampledTrace>();
  readonly unsampled: UnsampledScope = {
    run: (trace, fn) => this.#storage.run(trace, fn),
    current: () => {
      const store = this.#storage.getStore();
      return store instanceof UnsampledTrace ? store : store === undefined ? ambientUnsampled() : undefined;
    },
  };
  active(): Context {
    const store = this.#storage.getStore();
    return store === undefined || store instanceof UnsampledTrace ? ROOT_CONTEXT : store;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.#storage.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== "function") return target;
    const run = (...args: unknown[]) => this.with(ctx, () => (target as (...a: unknown[]) => unknown)(...args));
    return run as T;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#storage.disable();
    return this;
  }
}

export type Tracing = {
  /** False: export is off; spans are not made at all. */
  readonly enabled: boolean;
  /**
   * Asks for the spans ended so far to be exported (now, or after the interval since the
   * last export): answers the export's promise when this call armed it (hand it to
   * waitUntil; it never rejects), null when one is armed already (it takes these spans too).
   */
  flush(): Promise<void> | null;
};

const OFF: Tracing = { enabled: false, flush: () => null };

let installed: { key: string; vars: TracingVars; tracing: Tracing } | null = null;

const install = (vars: TracingVars): Tracing => {
  const config = tracingConfigFrom(vars);
  if (config.invalid.length > 0) createLogger({ base: { component: "tracing" } }).error("malformed tracing variables; their defaults are used", { variables: config.invalid.join(", ") });
  if (installed) {
    // Another configuration in this isolate (tests): the globals are set afresh.
    trace.disable();
    context.disable();
    propagation.disable();
    setAmbientLogFields(() => ({}));
    setUnsampledScope(null);
  }
  const ids = new PlannedIds();
  setTracingInstalled(config.url !== null, { rate: config.rate, ids });
  if (config.url === null) return OFF;
  const exporter = createOtlpFetchExporter({ url: config.url, headers: config.headers, timeoutMillis: FLUSH_TIMEOUT_MS });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: SERVICE_NAME, [ATTR_SERVICE_VERSION]: SERVICE_VERSION }),
    sampler: new PlatformSampler(config.rate),
    idGenerator: ids,
    // Flushed after each request and alarm (below); the timer is only a backstop, as a
    // timer outlives neither the request that set it in workerd.
    spanProcessors: [new BatchSpanProcessor({ exporter, maxQueueSize: 4096, maxExportBatchSize: 512, scheduledDelayMillis: 5_000, exportTimeoutMillis: FLUSH_TIMEOUT_MS })],
  });
  const manager = new AsyncLocalContextManager();
  context.setGlobalContextManager(manager);
  setUnsampledScope(manager.unsampled);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  setAmbientLogFields(logTraceFields);
  const schedule = createExportSchedule({ intervalMs: EXPORT_INTERVAL_MS, run: () => provider.forceFlush({ timeoutMillis: FLUSH_TIMEOUT_MS }).catch(() => undefined) });
  return { enabled: true, flush: () => schedule.request() };
};

const keys = new WeakMap<TracingVars, string>();

/** The isolate's tracing under `vars` (set up on first use; again only if the variables differ). */
export const tracingFor = (vars: TracingVars): Tracing => {
  // Per call (every request, every object call): the same env object answers from here
  // without building the key; another one (tests) is compared by its variables.
  if (installed !== null && installed.vars === vars) return installed.tracing;
  // The Worker's env and each object's are different objects, so calls alternate between
  // them: each one's key is built once (its variables do not change while it lives).
  let key = keys.get(vars);
  if (key === undefined) keys.set(vars, (key = `${vars.JIDO_OTLP_ENDPOINT ?? ""}\n${vars.JIDO_OTLP_HEADERS ?? ""}\n${vars.JIDO_TRACE_SAMPLE_RATE ?? ""}`));
  if (installed?.key !== key) installed = { key, vars, tracing: install(vars) };
  else installed.vars = vars;
  return installed.tracing;
};

type TracedObject = { ctx: DurableObjectState; env: TracingVars };

export type TraceObjectOptions<T> = {
  /** rpc.service and the spans' name prefix; the class's name by default. */
  service?: string;
  /** The sample rate of the agent type the object hosts, when it declares one (sampling.ts). */
  sampleRate?: (self: T) => number | undefined;
  /** The trace an alarm continues (a run's, stored with it); a root by default. */
  alarmTrace?: (self: T) => TraceCarrier | undefined;
  /** Attributes known when a call starts (e.g. the agent's type and the action). */
  attributes?: (self: T, method: string, args: readonly unknown[]) => Attributes;
};

const carrierOf = (first: unknown): TraceCarrier | undefined => {
  if (typeof first !== "object" || first === null || !("trace" in first) || first.trace === undefined) return undefined;
  // The method's own schema refuses a malformed carrier; here it only starts no trace.
  return parseTraceCarrier(first.trace);
};

/** Whether the span (and so, as a rule, its children) is exported. */
const sampled = (span: { spanContext(): { traceFlags: number } }): boolean => (span.spanContext().traceFlags & 1) === 1;

/** A failed Result's status, on the span: a problem of 5xx is an error of the server. */
const noteResult = (span: { setAttribute(key: string, value: number): unknown; setStatus(status: { code: number; message?: string }): unknown }, value: unknown): void => {
  if (typeof value !== "object" || value === null || !("ok" in value) || value.ok !== false || !("problem" in value)) return;
  const problem = value.problem as { status?: unknown; title?: unknown };
  if (typeof problem.status !== "number") return;
  span.setAttribute("rpc.response.status_code", problem.status);
  if (problem.status >= 500) span.setStatus({ code: 2, message: String(problem.title ?? "") });
};

/**
 * Gives every RPC method of `cls` a server span (a child of the carrier on its first
 * argument, `at.trace`, or a root) and its alarm a root span; flushes after each.
 * Returns the class, changed in place.
 */
export const traceObject = <C extends abstract new (...args: never[]) => object>(cls: C, options: TraceObjectOptions<InstanceType<C>> = {}): C => {
  const proto = cls.prototype as Record<string, unknown>;
  const service = options.service ?? cls.name;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, name);
    if (name === "constructor" || name === "fetch" || name.startsWith("webSocket") || typeof descriptor?.value !== "function") continue;
    const original = descriptor.value as (...args: unknown[]) => unknown;
    const alarm = name === "alarm";
    const wrapped = function (this: TracedObject & InstanceType<C>, ...args: unknown[]): unknown {
      const tracing = tracingFor(this.env);
      if (!tracing.enabled) return original.apply(this, args);
      const rate = options.sampleRate?.(this);
      // A trace decided unsampled: no span, the work runs under the trace's carrier so
      // that its own calls follow the decision.
      return enterTrace(alarm ? options.alarmTrace?.(this) : carrierOf(args[0]), rate, () => original.apply(this, args), (parent) => traced(this, tracing, rate, parent, args));
    };
    const traced = (self: TracedObject & InstanceType<C>, tracing: Tracing, rate: number | undefined, parent: Context, args: unknown[]): unknown => {
      const attributes: Attributes = {
        ...(alarm ? {} : { [ATTR_RPC_SYSTEM_NAME]: RPC_SYSTEM, [ATTR_RPC_METHOD]: `${service}/${name}` }),
        ...(rate === undefined ? {} : { [ATTR_SAMPLE_RATE]: rate }),
        ...options.attributes?.(self, name, args),
      };
      const span = tracer().startSpan(`${service}/${name}`, { kind: alarm ? SpanKind.INTERNAL : SpanKind.SERVER, attributes }, parent);
      const exportSoon = (): void => {
        if (!sampled(span)) return;
        const flush = tracing.flush();
        if (flush) self.ctx.waitUntil(flush);
      };
      const finish = (value: unknown): void => {
        noteResult(span, value);
        span.end();
        exportSoon();
      };
      const fail = (error: unknown): never => {
        failSpan(span, error);
        span.end();
        exportSoon();
        throw error;
      };
      let value: unknown;
      try {
        value = context.with(trace.setSpan(parent, span), () => original.apply(self, args));
      } catch (error) {
        return fail(error);
      }
      // A method that answers at once (not an RPC method's way, but possible) stays synchronous.
      if (!(value instanceof Promise)) {
        finish(value);
        return value;
      }
      return value.then((settled) => {
        finish(settled);
        return settled;
      }, fail);
    };
    Object.defineProperty(proto, name, { ...descriptor, value: wrapped });
  }
  return cls;
};
