// The fast path for the traces the platform leaves out (90% at the default rate; issue
// 14's overhead target): the sampling decision is taken once where work enters (a
// request, an object call, an alarm) by the sampler's own rules (sampling.ts), and a
// trace decided unsampled is carried as a plain W3C carrier (traceparent with flags 00,
// and the tracestate naming who decided), with no OpenTelemetry context, span or
// attribute objects at all. Only a sampled trace takes the SDK's path, and its sampler
// decides alike (same inputs; a root's trace id is handed to the SDK: `PlannedIds`).
import { TraceState } from "@opentelemetry/core";
import { type Decider, decideSampling, type SamplingDecision, DECIDED_BY_PLATFORM, DECIDED_BY_TYPE, TRACESTATE_KEY } from "./sampling.ts";
import { formatTraceparent, parseTraceparent, type TraceCarrier } from "./trace-context.ts";

/** An unsampled trace as the work under it carries it on: the carrier its calls pass. */
export class UnsampledTrace {
  constructor(
    readonly carrier: TraceCarrier,
    readonly traceId: string,
    readonly decidedBy: Decider | null,
  ) {}
}

/** Where the unsampled trace of the work in progress is kept (an AsyncLocalStorage in workerd: objects/durable/tracing.ts). */
export type UnsampledScope = {
  run<T>(trace: UnsampledTrace, fn: () => T): T;
  current(): UnsampledTrace | undefined;
};

const NO_SCOPE: UnsampledScope = { run: (_trace, fn) => fn(), current: () => undefined };
let scope: UnsampledScope = NO_SCOPE;
export const setUnsampledScope = (value: UnsampledScope | null): void => {
  scope = value ?? NO_SCOPE;
};
/**
 * The unsampled trace of the request in progress where no scope was entered: the Worker
 * keeps a request's on the request (src/api/tracing.ts), whose own storage is entered
 * anyway, instead of entering a second one.
 */
let ambient: () => UnsampledTrace | undefined = () => undefined;
export const setAmbientUnsampled = (value: (() => UnsampledTrace | undefined) | null): void => {
  ambient = value ?? (() => undefined);
};
/** For a scope's `current` when its storage holds nothing. */
export const ambientUnsampled = (): UnsampledTrace | undefined => ambient();

/** Runs `fn` under `trace` (its calls carry the trace's carrier). */
export const runUnsampled = <T>(trace: UnsampledTrace, fn: () => T): T => scope.run(trace, fn);
/** The unsampled trace of the work in progress, if it is in one. */
export const currentUnsampled = (): UnsampledTrace | undefined => scope.current();

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const BYTES = new Uint8Array(16);
const drawBytes = (count: number): void => {
  for (let i = 0; i < count; i++) BYTES[i] = (Math.random() * 256) >>> 0;
};
/** The first `count` drawn bytes in hex, not all zero (a W3C id must not be). */
const hexOfBytes = (count: number): string => {
  let hex = "";
  let zero = true;
  for (let i = 0; i < count; i++) {
    if (BYTES[i] !== 0) zero = false;
    hex += HEX[BYTES[i]!];
  }
  return zero ? `${hex.slice(0, -2)}01` : hex;
};

/** `digits` (even) random hex digits, not all zero. */
export const randomHexId = (digits: number): string => {
  drawBytes(digits / 2);
  return hexOfBytes(digits / 2);
};

/** The value of `key` in a W3C tracestate text, without building a TraceState. */
export const traceStateValue = (text: string | undefined, key: string): string | undefined => {
  if (!text) return undefined;
  for (const member of text.split(",")) {
    const at = member.indexOf("=");
    if (at > 0 && member.slice(0, at).trim() === key) return member.slice(at + 1).trim();
  }
  return undefined;
};

const deciderOf = (value: string | undefined): Decider | null => (value === DECIDED_BY_PLATFORM || value === DECIDED_BY_TYPE ? value : null);

/** The tracestate of a decision by `decider` in a trace that had `text` (the key moved to the front, as W3C asks of an update). */
const stateDecidedBy = (text: string | undefined, decider: Decider): string => (text ? new TraceState(text).set(TRACESTATE_KEY, decider).serialize() : `${TRACESTATE_KEY}=${decider}`);

export type EntryDecision =
  /** The SDK's path: its sampler decides alike; `traceId` is the root's trace id to use (none: it continues a parent). */
  | { sampled: true; traceId: string | undefined }
  | { sampled: false; trace: UnsampledTrace };

type Root = { traceId: string; decision: SamplingDecision };
const decideRootOf = (traceId: string, platformRate: number, ownRate: number | undefined): Root => ({ traceId, decision: decideSampling({ traceId, parent: null, platformRate, ownRate }) });

/**
 * A root's trace id and decision: the number `withinRate` reads off the id (its last 13
 * hex digits) is taken from the drawn bytes, so the decision parses nothing;
 * `decideRootOf` answers alike.
 */
const drawRoot = (platformRate: number, ownRate: number | undefined): Root => {
  drawBytes(16);
  const low = (BYTES[9]! & 15) * 2 ** 48 + BYTES[10]! * 2 ** 40 + BYTES[11]! * 2 ** 32 + BYTES[12]! * 2 ** 24 + BYTES[13]! * 2 ** 16 + BYTES[14]! * 2 ** 8 + BYTES[15]!;
  const rate = ownRate ?? platformRate;
  return { traceId: hexOfBytes(16), decision: { sampled: rate >= 1 || (rate > 0 && low < rate * 2 ** 52), decidedBy: ownRate === undefined ? DECIDED_BY_PLATFORM : DECIDED_BY_TYPE } };
};

/**
 * The decision for work entering with `carrier` (its caller's trace; none: a root), in a
 * type declaring `ownRate` (if any), at the deployment's `platformRate`: what the
 * platform's sampler would decide for a span there.
 */
export const decideEntry = (carrier: TraceCarrier | undefined, ownRate: number | undefined, platformRate: number, newTraceId?: () => string): EntryDecision => {
  const parsed = parseTraceparent(carrier?.traceparent);
  if (!parsed || !carrier) {
    const { traceId, decision } = newTraceId ? decideRootOf(newTraceId(), platformRate, ownRate) : drawRoot(platformRate, ownRate);
    if (decision.sampled) return { sampled: true, traceId };
    const traceparent = formatTraceparent({ traceId, spanId: randomHexId(16), sampled: false });
    return { sampled: false, trace: new UnsampledTrace({ traceparent, tracestate: stateDecidedBy(undefined, decision.decidedBy!) }, traceId, decision.decidedBy) };
  }
  const decidedBy = deciderOf(traceStateValue(carrier.tracestate, TRACESTATE_KEY));
  const decision = decideSampling({ traceId: parsed.traceId, parent: { sampled: parsed.sampled, decidedBy }, platformRate, ownRate });
  if (decision.sampled) return { sampled: true, traceId: undefined };
  // The carrier passed on as it came, in its version-00 form (only the sampled flag kept).
  const traceparent = parsed.flags === 0 && carrier.traceparent.length === 55 && carrier.traceparent.startsWith("00-") ? carrier.traceparent : formatTraceparent({ ...parsed, sampled: false });
  const tracestate = decision.decidedBy === null || decision.decidedBy === decidedBy ? carrier.tracestate : stateDecidedBy(carrier.tracestate, decision.decidedBy);
  const passed = traceparent === carrier.traceparent && tracestate === carrier.tracestate ? carrier : tracestate === undefined ? { traceparent } : { traceparent, tracestate };
  return { sampled: false, trace: new UnsampledTrace(passed, parsed.traceId, decision.decidedBy) };
};

/**
 * The SDK's id generator with a planned trace id: a root decided sampled by `decideEntry`
 * is started with the trace id it was decided on (the SDK draws a root's id inside
 * `startSpan`, synchronously, right after `plan`).
 */
export class PlannedIds {
  #planned: string | undefined;
  plan(traceId: string | undefined): void {
    this.#planned = traceId;
  }
  generateTraceId(): string {
    const planned = this.#planned;
    this.#planned = undefined;
    return planned ?? randomHexId(32);
  }
  generateSpanId(): string {
    return randomHexId(16);
  }
}
