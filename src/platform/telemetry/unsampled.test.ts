import { context, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, StackContextManager, TracerProvider } from "@opentelemetry/sdk-trace";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PlatformSampler } from "./sampler.ts";
import { ATTR_SAMPLE_RATE } from "./semconv.ts";
import { contextOf, continueTrace, enterTrace, setTracingInstalled, traceCarrier, withSpan } from "./spans.ts";
import { parseTraceparent, type TraceCarrier } from "./trace-context.ts";
import { decideEntry, PlannedIds, randomHexId, setUnsampledScope, traceStateValue, type UnsampledTrace } from "./unsampled.ts";

const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`)).filter((id) => !/^0+$/.test(id));
const carrierArb: fc.Arbitrary<TraceCarrier | undefined> = fc.option(
  fc.record({
    traceparent: fc.tuple(hex(32), hex(16), fc.constantFrom("00", "01", "02", "03")).map(([t, s, f]) => `00-${t}-${s}-${f}`),
    tracestate: fc.option(fc.constantFrom("jido=p", "jido=t", "other=1", "other=1,jido=p", "jido=x"), { nil: undefined }),
  }).map(({ traceparent, tracestate }) => (tracestate === undefined ? { traceparent } : { traceparent, tracestate })),
  { nil: undefined },
);
const rateArb = fc.constantFrom(0, 0.1, 0.5, 1);

describe("decideEntry", () => {
  it("decides what the platform's sampler decides for a span there, and passes its tracestate on", () => {
    fc.assert(
      fc.property(carrierArb, fc.option(rateArb, { nil: undefined }), rateArb, hex(32), (carrier, ownRate, platformRate, rootId) => {
        const decision = decideEntry(carrier, ownRate, platformRate, () => rootId);
        const parent = contextOf(carrier);
        const traceId = trace.getSpanContext(parent)?.traceId ?? rootId;
        const expected = new PlatformSampler(platformRate).shouldSample(parent, traceId, "x", 0, ownRate === undefined ? {} : { [ATTR_SAMPLE_RATE]: ownRate });
        expect(decision.sampled).toBe(expected.decision !== 0);
        if (decision.sampled) {
          expect(decision.traceId).toBe(carrier === undefined ? rootId : undefined);
          return;
        }
        const passed = parseTraceparent(decision.trace.carrier.traceparent)!;
        expect(passed).toMatchObject({ traceId, sampled: false, flags: 0 });
        expect(decision.trace.carrier.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
        if (carrier) expect(passed.spanId).toBe(parseTraceparent(carrier.traceparent)!.spanId);
        expect(traceStateValue(decision.trace.carrier.tracestate, "jido")).toBe(expected.traceState?.get("jido"));
        expect(traceStateValue(decision.trace.carrier.tracestate, "other")).toBe(traceStateValue(carrier?.tracestate, "other"));
      }),
    );
  });

  it("decides a root it draws the trace id of as the sampler decides on that id", () => {
    fc.assert(
      fc.property(fc.option(rateArb, { nil: undefined }), rateArb, (ownRate, platformRate) => {
        const decision = decideEntry(undefined, ownRate, platformRate);
        const traceId = decision.sampled ? decision.traceId! : decision.trace.traceId;
        expect(traceId).toMatch(/^[0-9a-f]{32}$/);
        if (!decision.sampled) expect(decision.trace.carrier.traceparent.slice(3, 35)).toBe(traceId);
        const expected = new PlatformSampler(platformRate).shouldSample(contextOf(undefined), traceId, "x", 0, ownRate === undefined ? {} : { [ATTR_SAMPLE_RATE]: ownRate });
        expect(decision.sampled).toBe(expected.decision !== 0);
      }),
      { numRuns: 1000 },
    );
  });

  it("draws ids W3C allows (hex, not all zero)", () => {
    for (let i = 0; i < 100; i++) expect(randomHexId(16)).toMatch(/^(?!0{16})[0-9a-f]{16}$/);
    const ids = new PlannedIds();
    ids.plan("0af7651916cd43dd8448eb211c80319c");
    expect(ids.generateTraceId()).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(ids.generateTraceId()).not.toBe("0af7651916cd43dd8448eb211c80319c");
  });
});

describe("a trace through its hops (the Worker's entry, a client call, an object's entry)", () => {
  const exporter = new InMemorySpanExporter();
  const ids = new PlannedIds();
  const RATE = 0.5;
  // The unsampled scope as a stack: every hop below runs synchronously.
  const stack: UnsampledTrace[] = [];
  beforeAll(() => {
    context.setGlobalContextManager(new StackContextManager().enable());
    trace.setGlobalTracerProvider(new TracerProvider({ sampler: new PlatformSampler(RATE), idGenerator: ids, spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
    setUnsampledScope({
      run: (unsampled, fn) => {
        stack.push(unsampled);
        try {
          return fn();
        } finally {
          stack.pop();
        }
      },
      current: () => stack.at(-1),
    });
    setTracingInstalled(true, { rate: RATE, ids });
  });
  afterAll(() => {
    setUnsampledScope(null);
    setTracingInstalled(undefined);
    trace.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  /** A request entering without a traceparent: the carrier its object call passes, and the one that object's own call passes. */
  const request = async () => {
    const hops: (TraceCarrier | undefined)[] = [];
    const object = (carrier: TraceCarrier | undefined) =>
      enterTrace(
        carrier,
        undefined,
        () => void hops.push(traceCarrier()),
        (parent) =>
          tracer().startActiveSpan("object", {}, parent, (span) => {
            hops.push(traceCarrier());
            span.end();
          }),
      );
    const call = () => withSpan("client", {}, () => object(traceCarrier()));
    await enterTrace(
      undefined,
      undefined,
      () => call(),
      (parent) => tracer().startActiveSpan("request", {}, parent, (span) => call().finally(() => span.end())),
    );
    return hops;
  };
  const tracer = () => trace.getTracer("t");

  it("carries an unsampled trace as one trace id, hop to hop, with no span exported; a sampled one is traced as before", async () => {
    let unsampled = 0;
    let sampled = 0;
    for (let i = 0; i < 200; i++) {
      exporter.reset();
      const [inObject] = await request();
      const passed = parseTraceparent(inObject!.traceparent)!;
      expect(passed).not.toBeNull();
      const spans = exporter.getFinishedSpans();
      if (!passed.sampled) {
        unsampled++;
        expect(spans).toEqual([]);
        expect(inObject!.tracestate).toBe("jido=p");
        continue;
      }
      sampled++;
      // Sampled: the request's span, its client call and the object's, one trace, each the child of the one before.
      expect(spans.map((s) => s.name)).toEqual(["object", "client", "request"]);
      const [object, client, root] = spans as [(typeof spans)[number], (typeof spans)[number], (typeof spans)[number]];
      expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([passed.traceId]));
      expect(root.parentSpanContext).toBeUndefined();
      expect(client.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(object.parentSpanContext?.spanId).toBe(client.spanContext().spanId);
      expect(passed.spanId).toBe(object.spanContext().spanId);
    }
    // At rate 0.5, both happen (a miss has odds of 2^-199).
    expect(unsampled).toBeGreaterThan(0);
    expect(sampled).toBeGreaterThan(0);
  });

  it("keeps the caller's traceparent through an object that cannot decide again, and lets an own rate decide again", () => {
    const unsampled = { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00", tracestate: "jido=p" };
    const inside = (rate: number | undefined, carrier: TraceCarrier) =>
      enterTrace(
        carrier,
        rate,
        () => traceCarrier(),
        (parent) =>
          tracer().startActiveSpan("object", { attributes: rate === undefined ? {} : { [ATTR_SAMPLE_RATE]: rate } }, parent, (span) => {
            span.end();
            return traceCarrier();
          }),
      );
    expect(inside(undefined, unsampled)).toBe(unsampled);
    expect(inside(0, unsampled)).toEqual({ traceparent: unsampled.traceparent, tracestate: "jido=t" });
    expect(exporter.getFinishedSpans()).toEqual([]);
    const again = inside(1, unsampled)!;
    const [span] = exporter.getFinishedSpans();
    expect(span!.parentSpanContext?.spanId).toBe("b7ad6b7169203331");
    expect(again.traceparent).toBe(`00-0af7651916cd43dd8448eb211c80319c-${span!.spanContext().spanId}-01`);
    expect(again.tracestate).toBe("jido=t");
  });

  it("continues a stored unsampled trace without a span, and a sampled one with its span", async () => {
    const unsampled = { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00", tracestate: "jido=t" };
    expect(await continueTrace(unsampled, "step", {}, () => traceCarrier())).toBe(unsampled);
    expect(exporter.getFinishedSpans()).toEqual([]);
    await continueTrace({ traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" }, "step", {}, () => undefined);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(["step"]);
  });
});
