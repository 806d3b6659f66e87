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
 * than once (its entry's sampling decision, its address schema), and a value parses the
 * same every time.
 */
let lastValue: string | undefined;
let lastParsed: TraceParent | null = null;

const DASH = 45;
/** Whether `code` is a lowercase hex digit's. */
const isHex = (code: number): boolean => (code >= 48 && code <= 57) || (code >= 97 && code <= 102);

/**
 * The version-00 form every platform hop writes (55 characters, no whitespace), read
 * without the regex and its captures; undefined for anything else (then the regex reads it).
 */
const parseVersion00 = (raw: string): TraceParent | null | undefined => {
  if (raw.length !== 55 || raw.charCodeAt(0) !== 48 || raw.charCodeAt(1) !== 48 || raw.charCodeAt(2) !== DASH || raw.charCodeAt(35) !== DASH || raw.charCodeAt(52) !== DASH) return undefined;
  let traceZero = true;
  let spanZero = true;
  for (let i = 3; i < 35; i++) {
    const code = raw.charCodeAt(i);
    if (!isHex(code)) return undefined;
    if (code !== 48) traceZero = false;
  }
  for (let i = 36; i < 52; i++) {
    const code = raw.charCodeAt(i);
    if (!isHex(code)) return undefined;
    if (code !== 48) spanZero = false;
  }
  if (!isHex(raw.charCodeAt(53)) || !isHex(raw.charCodeAt(54))) return undefined;
  if (traceZero || spanZero) return null;
  const flags = Number.parseInt(raw.slice(53), 16);
  return { traceId: raw.slice(3, 35), spanId: raw.slice(36, 52), sampled: (flags & 1) === 1, flags };
};

/** The traceparent's fields (shared between callers: read only), or null when it is not one a receiver may use. */
export const parseTraceparent = (value: string | null | undefined): Readonly<TraceParent> | null => {
  if (typeof value !== "string") return null;
  if (value === lastValue) return lastParsed;
  const fast = parseVersion00(value);
  lastParsed = fast === undefined ? parseUncached(value) : fast;
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
  for (const key of Object.keys(value)) if (key !== "traceparent" && key !== "tracestate") return undefined;
  const { traceparent, tracestate } = value as Record<string, unknown>;
  if (typeof traceparent !== "string" || traceparent.length > 256 || parseTraceparent(traceparent) === null) return undefined;
  if (tracestate !== undefined && (typeof tracestate !== "string" || tracestate.length > 512)) return undefined;
  return tracestate === undefined ? { traceparent } : { traceparent, tracestate };
};
