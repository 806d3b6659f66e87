// W3C Trace Context (https://www.w3.org/TR/trace-context/) as the platform carries it:
// the `traceparent` of an HTTP request, of a CloudEvent (its distributed-tracing
// extension), and of the small carrier every traced RPC passes on its address. Parsing
// follows the spec's rules for a receiver: an invalid value is ignored (the work starts
// a trace of its own), never an error; a future version is read by its first four fields.
import { z } from "zod";

export type TraceParent = { traceId: string; spanId: string; sampled: boolean; flags: number };

const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

const FIELDS = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

const parseUncached = (raw: string): TraceParent | null => {
  const match = FIELDS.exec(raw.trim());
  if (!match) return null;
  const [, version, traceId, spanId, flagsHex, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  // Version ff is forbidden; version 00 has exactly four fields; later versions may add some.
  if (version === "ff" || (version === "00" && rest !== undefined)) return null;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return null;
  const flags = Number.parseInt(flagsHex, 16);
  return { traceId, spanId, sampled: (flags & 1) === 1, flags };
};

/**
 * The last value parsed and its fields: one traced call reads its caller's carrier more
 * than once (its schema, the span's parent), and a value parses the same every time.
 */
let lastValue: string | undefined;
let lastParsed: TraceParent | null = null;

/** The traceparent's fields (shared between callers: read only), or null when it is not one a receiver may use. */
export const parseTraceparent = (value: string | null | undefined): Readonly<TraceParent> | null => {
  if (typeof value !== "string") return null;
  if (value === lastValue) return lastParsed;
  lastParsed = parseUncached(value);
  lastValue = value;
  return lastParsed;
};

/** The version-00 traceparent of a span (only the sampled flag is kept, as the spec asks of version 00). */
export const formatTraceparent = (context: { traceId: string; spanId: string; sampled: boolean }): string =>
  `00-${context.traceId}-${context.spanId}-${context.sampled ? "01" : "00"}`;

/** What a traced RPC carries on its address: the caller's span, in W3C form. */
export const traceCarrierSchema = z.strictObject({
  traceparent: z.string().max(256).refine((value) => parseTraceparent(value) !== null, "must be a W3C traceparent"),
  tracestate: z.string().max(512).optional(),
});

export type TraceCarrier = z.output<typeof traceCarrierSchema>;

/**
 * `traceCarrierSchema`'s verdict without zod's machinery, for the per-call path (every
 * traced object call reads its caller's carrier): the carrier, or undefined when the
 * schema would refuse it. trace-context.test.ts pins that both agree.
 */
export const parseTraceCarrier = (value: unknown): TraceCarrier | undefined => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const { traceparent, tracestate, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return undefined;
  if (typeof traceparent !== "string" || traceparent.length > 256 || parseTraceparent(traceparent) === null) return undefined;
  if (tracestate !== undefined && (typeof tracestate !== "string" || tracestate.length > 512)) return undefined;
  return tracestate === undefined ? { traceparent } : { traceparent, tracestate };
};
