// Spans as the platform makes them, through the OpenTelemetry API only: a span around a
// piece of work (status and exception recorded, ended however the work ends), the W3C
// carrier of the active span for an RPC or an event, the context a carrier stands for,
// and the ids a log line carries. With no tracer provider registered (tracing off) the
// API hands out non-recording spans and all of this costs a few property reads.
import { type Attributes, type Context, context, type Link, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, type TraceFlags } from "@opentelemetry/api";
import { TraceState } from "@opentelemetry/core";
import { ATTR_ERROR_TYPE } from "./semconv.ts";
import { formatTraceparent, parseTraceparent, type TraceCarrier } from "./trace-context.ts";

export { SpanKind };
export type { Attributes, Context, Link, Span };

const TRACER = "jido-system";

export const tracer = () => trace.getTracer(TRACER);

export type SpanOptions = {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent; the active context when absent. */
  parent?: Context;
  links?: Link[];
};

/** Runs `fn` in a new active span; an error sets the span's status and `error.type`, and is rethrown. */
export const withSpan = <T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T> | T): Promise<T> =>
  tracer().startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes ?? {}, links: options.links ?? [] }, options.parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setAttribute(ATTR_ERROR_TYPE, error instanceof Error ? error.name : typeof error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });

/** The carrier of `ctx`'s span (the active one by default), or undefined when there is no span to continue. */
export const traceCarrier = (ctx: Context = context.active()): TraceCarrier | undefined => {
  const span = trace.getSpanContext(ctx);
  if (!span || !trace.isSpanContextValid(span)) return undefined;
  const state = span.traceState?.serialize();
  return { traceparent: formatTraceparent({ traceId: span.traceId, spanId: span.spanId, sampled: (span.traceFlags & 1) === 1 }), ...(state ? { tracestate: state } : {}) };
};

/** The context a carrier (or an event's traceparent/tracestate) stands for; the root context when it holds none. */
export const contextOf = (carrier: { traceparent?: string | undefined; tracestate?: string | undefined } | undefined): Context => {
  const parsed = parseTraceparent(carrier?.traceparent);
  if (!parsed) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: parsed.traceId,
    spanId: parsed.spanId,
    traceFlags: (parsed.flags & 1) as TraceFlags,
    isRemote: true,
    ...(carrier?.tracestate ? { traceState: new TraceState(carrier.tracestate) } : {}),
  });
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
