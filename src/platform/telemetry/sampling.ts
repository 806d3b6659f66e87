// Which traces are recorded. A span with a parent follows the parent's sampled flag
// (an incoming traceparent, an RPC carrier, an event's traceparent): a trace is kept or
// dropped whole. A trace begins sampled with a probability: the agent type's
// `observability.tracing.sampleRate` when it begins in an agent, else the deployment's
// JIDO_TRACE_SAMPLE_RATE. A trace the platform began at its default rate is marked so
// (tracestate `jido=p`); the first agent it reaches that declares a rate of its own
// decides again at that rate, so an agent type's rate holds for its actions whatever
// route called them. The decision is a function of the trace id (its last 52 bits as a
// uniform number), so every object that decides for the same trace decides alike.
export const DEFAULT_SAMPLE_RATE = 0.1;

/** The tracestate key the platform writes its decision under (W3C tracestate, vendor key). */
export const TRACESTATE_KEY = "jido";
/** Decided by the deployment's default rate: an agent type's own rate may decide again. */
export const DECIDED_BY_PLATFORM = "p";
/** Decided by an agent type's rate: final for the rest of the trace. */
export const DECIDED_BY_TYPE = "t";

export type Decider = typeof DECIDED_BY_PLATFORM | typeof DECIDED_BY_TYPE;

/** JIDO_TRACE_SAMPLE_RATE: a number from 0 to 1; empty gives the default, anything else the default and `invalid`. */
export const parseSampleRate = (raw: string | undefined): { rate: number; invalid: boolean } => {
  const text = (raw ?? "").trim();
  if (text === "") return { rate: DEFAULT_SAMPLE_RATE, invalid: false };
  const rate = Number(text);
  return Number.isFinite(rate) && rate >= 0 && rate <= 1 ? { rate, invalid: false } : { rate: DEFAULT_SAMPLE_RATE, invalid: true };
};

const RANDOM_HEX = 13; // 52 bits: exact in a double
const RANDOM_SPAN = 2 ** (RANDOM_HEX * 4);

/** Whether the trace falls within `rate` (0: never, 1: always), the same for everyone who asks. */
export const withinRate = (traceId: string, rate: number): boolean => {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return Number.parseInt(traceId.slice(-RANDOM_HEX), 16) < rate * RANDOM_SPAN;
};

export type SamplingInput = {
  traceId: string;
  /** The parent's decision, when the span has a (valid) parent. */
  parent: { sampled: boolean; decidedBy: Decider | null } | null;
  /** The deployment's default rate. */
  platformRate: number;
  /** The rate of the agent type the span belongs to, when it declares one. */
  ownRate: number | undefined;
};

export type SamplingDecision = { sampled: boolean; decidedBy: Decider | null };

export const decideSampling = ({ traceId, parent, platformRate, ownRate }: SamplingInput): SamplingDecision => {
  if (parent === null) {
    return ownRate === undefined ? { sampled: withinRate(traceId, platformRate), decidedBy: DECIDED_BY_PLATFORM } : { sampled: withinRate(traceId, ownRate), decidedBy: DECIDED_BY_TYPE };
  }
  if (parent.decidedBy === DECIDED_BY_PLATFORM && ownRate !== undefined) return { sampled: withinRate(traceId, ownRate), decidedBy: DECIDED_BY_TYPE };
  return { sampled: parent.sampled, decidedBy: parent.decidedBy };
};
