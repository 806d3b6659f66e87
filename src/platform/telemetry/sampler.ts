// The OpenTelemetry sampler that applies the platform's rules (sampling.ts): parent-based,
// with the deployment's rate for roots, an agent type's rate where its span says so, and
// the decision written into the tracestate so that the objects downstream know who made it.
import { type Attributes, type Context, trace } from "@opentelemetry/api";
import { TraceState } from "@opentelemetry/core";
import { type Sampler, SamplingDecision, type SamplingResult } from "@opentelemetry/sdk-trace";
import { type Decider, decideSampling, DECIDED_BY_PLATFORM, DECIDED_BY_TYPE, TRACESTATE_KEY } from "./sampling.ts";
import { ATTR_SAMPLE_RATE } from "./semconv.ts";
import { isValidSpanContext } from "./spans.ts";

/** The tracestate of a trace that had none: shared, as a TraceState is immutable (`set` answers a copy). */
const ONLY_DECIDER: Record<Decider, TraceState> = {
  [DECIDED_BY_PLATFORM]: new TraceState().set(TRACESTATE_KEY, DECIDED_BY_PLATFORM),
  [DECIDED_BY_TYPE]: new TraceState().set(TRACESTATE_KEY, DECIDED_BY_TYPE),
};

const deciderOf = (value: string | undefined): Decider | null => (value === DECIDED_BY_PLATFORM || value === DECIDED_BY_TYPE ? value : null);

export class PlatformSampler implements Sampler {
  constructor(private readonly platformRate: number) {}

  shouldSample(context: Context, traceId: string, _name: string, _kind: unknown, attributes: Attributes): SamplingResult {
    const parent = trace.getSpanContext(context);
    const valid = parent !== undefined && isValidSpanContext(parent);
    const own = attributes[ATTR_SAMPLE_RATE];
    const decision = decideSampling({
      traceId,
      parent: valid ? { sampled: (parent.traceFlags & 1) === 1, decidedBy: deciderOf(parent.traceState?.get(TRACESTATE_KEY)) } : null,
      platformRate: this.platformRate,
      ownRate: typeof own === "number" ? own : undefined,
    });
    const inherited = valid ? parent.traceState : undefined;
    const traceState =
      decision.decidedBy === null || inherited?.get(TRACESTATE_KEY) === decision.decidedBy
        ? inherited
        : inherited
          ? inherited.set(TRACESTATE_KEY, decision.decidedBy)
          : ONLY_DECIDER[decision.decidedBy];
    return { decision: decision.sampled ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD, ...(traceState ? { traceState } : {}) };
  }

  toString(): string {
    return `PlatformSampler{rate=${this.platformRate}}`;
  }
}
