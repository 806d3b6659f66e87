import { context, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, StackContextManager, TracerProvider } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, setAmbientLogFields } from "./logger.ts";
import { PlatformSampler } from "./sampler.ts";
import { ATTR_SAMPLE_RATE } from "./semconv.ts";
import { contextOf, isValidSpanContext, logTraceFields, setTracingInstalled, stampTraceContext, traceCarrier, withSpan } from "./spans.ts";

const exporter = new InMemorySpanExporter();
const tracer = new TracerProvider({ sampler: new PlatformSampler(1), spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer("t");
const SAMPLED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

beforeAll(() => {
  context.setGlobalContextManager(new StackContextManager().enable());
  setAmbientLogFields(logTraceFields);
});
afterAll(() => {
  context.disable();
  setAmbientLogFields(() => ({}));
});

describe("structured logs", () => {
  it("carry the recording span's traceId and spanId, and null for both outside one", () => {
    const lines: string[] = [];
    const log = createLogger({ sink: (line) => lines.push(line), now: () => 0 });
    const span = tracer.startSpan("work");
    context.with(trace.setSpan(context.active(), span), () => log.info("inside"));
    span.end();
    log.info("outside");
    const fixed = { time: "1970-01-01T00:00:00.000Z", level: "info", component: null, tenant: null, requestId: null };
    expect(JSON.parse(lines[0]!)).toEqual({ ...fixed, message: "inside", traceId: span.spanContext().traceId, spanId: span.spanContext().spanId });
    expect(JSON.parse(lines[1]!)).toEqual({ ...fixed, message: "outside", traceId: null, spanId: null });
  });
});

describe("stampTraceContext", () => {
  it("gives events without a traceparent the active sampled span's, and keeps a publisher's own", () => {
    const span = tracer.startSpan("append");
    const events = context.with(trace.setSpan(context.active(), span), () => stampTraceContext([{ id: "a" }, { id: "b", traceparent: SAMPLED }]));
    span.end();
    expect(events).toEqual([{ id: "a", ...traceCarrier(trace.setSpan(context.active(), span)) }, { id: "b", traceparent: SAMPLED }]);
    expect(events[0]!.traceparent).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
  });

  it("leaves events alone outside a span and in an unsampled trace", () => {
    const plain: { id: string; traceparent?: string }[] = [{ id: "a" }];
    expect(stampTraceContext(plain)).toEqual([{ id: "a" }]);
    const unsampled = new TracerProvider({ sampler: new PlatformSampler(0) }).getTracer("t").startSpan("append");
    expect(context.with(trace.setSpan(context.active(), unsampled), () => stampTraceContext(plain))).toEqual([{ id: "a" }]);
  });
});

describe("withSpan on the hot path", () => {
  const UNSAMPLED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
  const recorded = new InMemorySpanExporter();
  beforeAll(() => {
    trace.setGlobalTracerProvider(new TracerProvider({ sampler: new PlatformSampler(1), spanProcessors: [new SimpleSpanProcessor({ exporter: recorded })] }));
  });
  afterAll(() => {
    trace.disable();
    setTracingInstalled(undefined);
  });

  it("makes no span in a trace decided unsampled: the work runs under the parent, whose decision goes downstream", async () => {
    setTracingInstalled(true);
    recorded.reset();
    const carrier = await withSpan("call", { parent: contextOf({ traceparent: UNSAMPLED, tracestate: "jido=t" }), attributes: { [ATTR_SAMPLE_RATE]: 1 } }, async (span) => {
      expect(span.isRecording()).toBe(false);
      return traceCarrier();
    });
    expect(carrier).toEqual({ traceparent: UNSAMPLED, tracestate: "jido=t" });
    expect(recorded.getFinishedSpans()).toEqual([]);
  });

  it("still lets an own rate decide again in a trace the platform's default left out, and records sampled work", async () => {
    setTracingInstalled(true);
    recorded.reset();
    await withSpan("again", { parent: contextOf({ traceparent: UNSAMPLED, tracestate: "jido=p" }), attributes: { [ATTR_SAMPLE_RATE]: 1 } }, () => undefined);
    await withSpan("sampled", { parent: contextOf({ traceparent: SAMPLED }) }, () => undefined);
    expect(recorded.getFinishedSpans().map((span) => span.name)).toEqual(["again", "sampled"]);
  });

  it("makes no span at all with tracing off", async () => {
    setTracingInstalled(false);
    recorded.reset();
    const carrier = await withSpan("off", { parent: contextOf({ traceparent: SAMPLED }) }, () => traceCarrier());
    expect(carrier).toBeUndefined();
    await expect(withSpan("off", {}, () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(recorded.getFinishedSpans()).toEqual([]);
  });
});

describe("isValidSpanContext", () => {
  it("answers what the API's check answers, also when asked again of the same context", () => {
    const valid = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 };
    const invalid = [
      { traceId: "0".repeat(32), spanId: "b7ad6b7169203331", traceFlags: 1 },
      { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "0".repeat(16), traceFlags: 0 },
      { traceId: "nope", spanId: "b7ad6b7169203331", traceFlags: 0 },
    ];
    for (let round = 0; round < 2; round++) {
      expect(isValidSpanContext(valid)).toBe(true);
      for (const span of invalid) expect(isValidSpanContext(span), JSON.stringify(span)).toBe(false);
    }
    const parsed = trace.getSpanContext(contextOf({ traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00" }));
    expect(parsed && isValidSpanContext(parsed)).toBe(true);
  });
});
