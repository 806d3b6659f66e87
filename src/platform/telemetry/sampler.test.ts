import { trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { describe, expect, it } from "vitest";
import { PlatformSampler } from "./sampler.ts";
import { ATTR_SAMPLE_RATE } from "./semconv.ts";
import { contextOf, traceCarrier } from "./spans.ts";

const setup = (rate: number) => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ sampler: new PlatformSampler(rate), spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  return { exporter, tracer: provider.getTracer("test") };
};

const SAMPLED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const UNSAMPLED = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";

describe("PlatformSampler", () => {
  it("at rate 0 records no root, and marks the decision as the platform's", () => {
    const { exporter, tracer } = setup(0);
    const span = tracer.startSpan("root");
    span.end();
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    expect(traceCarrier(trace.setSpan(contextOf(undefined), span))?.tracestate).toBe("jido=p");
  });

  it("honours an incoming sampled flag at rate 0, and an unsampled one at rate 1", () => {
    const { exporter, tracer } = setup(0);
    tracer.startSpan("child", {}, contextOf({ traceparent: SAMPLED })).end();
    const [span] = exporter.getFinishedSpans();
    expect(span?.spanContext().traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(span?.parentSpanContext?.spanId).toBe("b7ad6b7169203331");
    const all = setup(1);
    all.tracer.startSpan("child", {}, contextOf({ traceparent: UNSAMPLED })).end();
    expect(all.exporter.getFinishedSpans()).toHaveLength(0);
  });

  it("lets an agent type's rate decide again a trace the platform's default left out", () => {
    const { exporter, tracer } = setup(0);
    const parent = contextOf({ traceparent: UNSAMPLED, tracestate: "jido=p,other=1" });
    tracer.startSpan("agent", { attributes: { [ATTR_SAMPLE_RATE]: 1 } }, parent).end();
    const [span] = exporter.getFinishedSpans();
    expect(span?.spanContext().traceState?.serialize()).toBe("jido=t,other=1");
    // An external caller's unsampled decision stays final.
    tracer.startSpan("agent", { attributes: { [ATTR_SAMPLE_RATE]: 1 } }, contextOf({ traceparent: UNSAMPLED })).end();
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });
});
