// Spans as the platform makes them, through the OpenTelemetry API only: a span around a
// piece of work (status and exception recorded, ended however the work ends), the W3C
// carrier of the active span for an RPC or an event, the context a carrier stands for,
// and the ids a log line carries. The hot path is kept cheap (issue 14's overhead
// target): with tracing off (`setTracingInstalled(false)`) `withSpan` runs the work
// without making a span at all, and in a trace already decided unsampled it makes no new
// span either, but runs the work in the parent's context, so that everything downstream
// follows the same decision (a trace is kept or dropped whole; see `unsampledParent`).
// Work entered through `enterTrace` in a trace decided unsampled (unsampled.ts) has no
// OpenTelemetry context at all: `withSpan` runs it as is, `traceCarrier` answers the
// trace's plain carrier.
import { type Attributes, type Context, context, INVALID_SPAN_CONTEXT, type Link, ROOT_CONTEXT, type Span, type SpanContext, SpanKind, SpanStatusCode, trace, type TraceFlags } from "@opentelemetry/api";
import { TraceState } from "@opentelemetry/core";
import { DECIDED_BY_PLATFORM, DEFAULT_SAMPLE_RATE, TRACESTATE_KEY } from "./sampling.ts";
import { ATTR_ERROR_TYPE, ATTR_SAMPLE_RATE } from "./semconv.ts";
import { formatTraceparent, parseTraceparent, type TraceCarrier } from "./trace-context.ts";
import { currentUnsampled, decideEntry, type PlannedIds, runUnsampled, type UnsampledTrace } from "./unsampled.ts";

export { SpanKind };
export type { Attributes, Context, Link, Span };

const TRACER = "jido-system";

/** The tracer of the global provider, looked up once per provider (a lookup builds a key string). */
let cachedTracer: { provider: unknown; tracer: ReturnType<typeof trace.getTracer> } | null = null;
export const tracer = (): ReturnType<typeof trace.getTracer> => {
  const provider = trace.getTracerProvider();
  if (cachedTracer?.provider !== provider) cachedTracer = { provider, tracer: provider.getTracer(TRACER) };
  return cachedTracer.tracer;
};

/**
 * Span contexts known to be valid: those parsed from a carrier (parseTraceparent checked
 * them) and those checked once already. The API's check runs two regexes, and one call
 * asks it of the same context several times (its client span, its carrier, the object's span).
 */
const VALID = new WeakSet<SpanContext>();
export const isValidSpanContext = (span: SpanContext): boolean => {
  if (VALID.has(span)) return true;
  if (!trace.isSpanContextValid(span)) return false;
  VALID.add(span);
  return true;
};

export type SpanOptions = {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent; the active context when absent. */
  parent?: Context;
  links?: Link[];
};

/** Records `error` on `span`: the exception, `error.type` and an error status. */
export const failSpan = (span: Span, error: unknown): void => {
  span.recordException(error instanceof Error ? error : String(error));
  span.setAttribute(ATTR_ERROR_TYPE, error instanceof Error ? error.name : typeof error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
};

/**
 * Whether this isolate has a recording tracer provider: set by whoever installs one
 * (objects/durable/tracing.ts). Unknown (undefined, e.g. a unit test that registers its
 * own provider) takes the API's path every time.
 */
let installed: boolean | undefined;
/** The deployment's rate, and the provider's id generator (a sampled root's trace id is planned: unsampled.ts). */
let platformRate = DEFAULT_SAMPLE_RATE;
let plannedIds: PlannedIds | undefined;
export const setTracingInstalled = (value: boolean | undefined, platform?: { rate: number; ids: PlannedIds }): void => {
  installed = value;
  platformRate = platform?.rate ?? DEFAULT_SAMPLE_RATE;
  plannedIds = platform?.ids;
};

/**
 * Enters work continuing `carrier` (none: a root) in a type declaring `ownRate`: in a
 * trace decided unsampled, `unsampled` runs under the trace's plain carrier (no span, no
 * OpenTelemetry context); otherwise `sampled` gets the parent context for the SDK's span
 * (a root's trace id is the one decided on, planned for the SDK's next root). With
 * `keep`, the unsampled trace is handed to it to keep where `ambientUnsampled` finds it,
 * instead of a scope entered for it.
 */
export const enterTrace = <T>(carrier: TraceCarrier | undefined, ownRate: number | undefined, unsampled: () => T, sampled: (parent: Context) => T, keep?: (trace: UnsampledTrace) => void): T => {
  const decision = decideEntry(carrier, ownRate, platformRate);
  if (!decision.sampled) {
    if (!keep) return runUnsampled(decision.trace, unsampled);
    keep(decision.trace);
    return unsampled();
  }
  if (decision.traceId !== undefined) {
    plannedIds?.plan(decision.traceId);
    return sampled(ROOT_CONTEXT);
  }
  return sampled(contextOf(carrier));
};

/** A span that records nothing, for work run without one (tracing off). */
const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * The parent's span context when the parent is a valid, unsampled span whose decision a
 * child cannot change: under the platform's sampler (sampling.ts) such a child is
 * non-recording with the parent's flags and tracestate, so the child need not be made;
 * the work runs under the parent. Only a child carrying an own sample rate in a trace
 * the platform decided at its default (`jido=p`) decides again: then undefined.
 */
export const unsampledParent = (parent: Context, ownRate: unknown): SpanContext | undefined => {
  const span = trace.getSpanContext(parent);
  if (!span || (span.traceFlags & 1) === 1 || !isValidSpanContext(span)) return undefined;
  if (ownRate !== undefined && span.traceState?.get(TRACESTATE_KEY) === DECIDED_BY_PLATFORM) return undefined;
  return span;
};

/** Runs `fn` in a new active span; an error sets the span's status and `error.type`, and is rethrown. */
export const withSpan = <T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T> | T): Promise<T> => {
  if (installed === false) return run(fn, NO_SPAN);
  let parent = options.parent;
  if (installed && parent === undefined) {
    // In an unsampled trace's plain carrier: nothing to make, unless a rate of its own
    // decides again (then the carrier is the parent).
    const unsampled = currentUnsampled();
    if (unsampled) {
      if (options.attributes?.[ATTR_SAMPLE_RATE] === undefined || unsampled.decidedBy !== DECIDED_BY_PLATFORM) return run(fn, NO_SPAN);
      parent = contextOf(unsampled.carrier);
    }
  }
  const active = context.active();
  parent ??= active;
  const unsampled = installed ? unsampledParent(parent, options.attributes?.[ATTR_SAMPLE_RATE]) : undefined;
  if (unsampled) {
    const span = trace.wrapSpanContext(unsampled);
    return parent === active ? run(fn, span) : context.with(parent, () => run(fn, span));
  }
  return tracer().startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes ?? {}, links: options.links ?? [] }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
};

/** `fn` as a promise (a synchronous throw becomes a rejection, as in a span). */
const run = async <T>(fn: (span: Span) => Promise<T> | T, span: Span): Promise<T> => fn(span);

/** The carrier of `ctx`'s span (the active one by default), or undefined when there is no span to continue. */
export const traceCarrier = (ctx?: Context): TraceCarrier | undefined => {
  if (ctx === undefined) {
    const unsampled = currentUnsampled();
    if (unsampled) return unsampled.carrier;
    ctx = context.active();
  }
  const span = trace.getSpanContext(ctx);
  if (!span || !isValidSpanContext(span)) return undefined;
  const state = span.traceState?.serialize();
  return { traceparent: formatTraceparent({ traceId: span.traceId, spanId: span.spanId, sampled: (span.traceFlags & 1) === 1 }), ...(state ? { tracestate: state } : {}) };
};

/** The context a carrier (or an event's traceparent/tracestate) stands for; the root context when it holds none. */
export const contextOf = (carrier: { traceparent?: string | undefined; tracestate?: string | undefined } | undefined): Context => {
  const parsed = parseTraceparent(carrier?.traceparent);
  if (!parsed) return ROOT_CONTEXT;
  const span: SpanContext = {
    traceId: parsed.traceId,
    spanId: parsed.spanId,
    traceFlags: (parsed.flags & 1) as TraceFlags,
    isRemote: true,
    ...(carrier?.tracestate ? { traceState: traceStateOf(carrier.tracestate) } : {}),
  };
  VALID.add(span);
  return trace.setSpanContext(ROOT_CONTEXT, span);
};

/** The last tracestate parsed, kept: the same few values (`jido=p`) arrive on every call, and a TraceState is immutable. */
let lastState: { text: string; state: TraceState } | null = null;
const traceStateOf = (text: string): TraceState => {
  if (lastState?.text !== text) lastState = { text, state: new TraceState(text) };
  return lastState.state;
};

/**
 * Events given the active span's trace context (the CloudEvents distributed-tracing
 * extension) where their publisher gave none, so a delivery continues its publish's trace.
 * Only a sampled trace's: an event published outside one stays as its publisher sent it.
 */
export const stampTraceContext = <E extends { traceparent?: string | undefined; tracestate?: string | undefined }>(events: E[]): E[] => {
  const carrier = traceCarrier();
  if (!carrier || !carrier.traceparent.endsWith("-01")) return events;
  return events.map((event) => (event.traceparent === undefined ? { ...event, ...carrier } : event));
};

/**
 * Runs `fn` in a span continuing the trace `carrier` names (a workflow run's, stored with
 * it), linked to the span active now (e.g. the alarm that resumed the work); without a
 * carrier, a child of the active span.
 */
export const continueTrace = <T>(carrier: TraceCarrier | undefined, name: string, options: Omit<SpanOptions, "parent" | "links">, fn: (span: Span) => Promise<T> | T): Promise<T> => {
  if (!carrier) return withSpan(name, options, fn);
  if (!installed) return withSpan(name, { ...options, parent: contextOf(carrier), links: resumedBy(carrier) }, fn);
  const rate = options.attributes?.[ATTR_SAMPLE_RATE];
  return enterTrace(
    carrier,
    typeof rate === "number" ? rate : undefined,
    () => run(fn, NO_SPAN),
    (parent) => withSpan(name, { ...options, parent, links: resumedBy(carrier) }, fn),
  );
};

/** A link to the active span, unless it is the one `carrier` names (then it is the parent already). */
const resumedBy = (carrier: TraceCarrier): Link[] => {
  const active = traceCarrier();
  return active && active.traceparent.slice(0, 52) !== carrier.traceparent.slice(0, 52) ? linkTo(active) : [];
};

/** A link to the span a carrier names (none when it names none). */
export const linkTo = (carrier: TraceCarrier | undefined): Link[] => {
  const span = trace.getSpanContext(contextOf(carrier));
  return span ? [{ context: span }] : [];
};

/** `traceId` and `spanId` of the active recording span, for a structured log line (none without one). */
export const logTraceFields = (): { traceId?: string; spanId?: string } => {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return {};
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
};

/** Attributes on the active span (the work in progress names what it found out, e.g. the agent's type). */
export const annotate = (attributes: Attributes): void => {
  trace.getActiveSpan()?.setAttributes(attributes);
};
