import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatTraceparent, parseTraceCarrier, parseTraceparent, traceCarrierSchema } from "./trace-context.ts";

const SPEC_EXAMPLE = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

describe("parseTraceparent", () => {
  it("reads the spec's example", () => {
    expect(parseTraceparent(SPEC_EXAMPLE)).toEqual({ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", sampled: true, flags: 1 });
    expect(parseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")?.sampled).toBe(false);
  });

  it("ignores what a receiver must ignore", () => {
    for (const value of [
      undefined,
      "",
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
      "00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01", // upper case
      "00-00000000000000000000000000000000-b7ad6b7169203331-01", // zero trace id
      "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01", // zero span id
      "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", // forbidden version
      `${SPEC_EXAMPLE}-extra`, // version 00 has four fields
      "0-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    ]) {
      expect(parseTraceparent(value), String(value)).toBeNull();
    }
  });

  it("reads a future version by its first four fields", () => {
    expect(parseTraceparent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03-whatever")).toMatchObject({ sampled: true, flags: 3 });
  });

  it("round-trips every valid span context through the version-00 form", () => {
    const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
    fc.assert(
      fc.property(hex(32), hex(16), fc.boolean(), (traceId, spanId, sampled) => {
        fc.pre(/[1-9a-f]/.test(traceId) && /[1-9a-f]/.test(spanId));
        expect(parseTraceparent(formatTraceparent({ traceId, spanId, sampled }))).toEqual({ traceId, spanId, sampled, flags: sampled ? 1 : 0 });
      }),
    );
  });
});

/** The spec's grammar as a regex: what the position-by-position parser must agree with. */
const REFERENCE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const referenceParse = (value: string) => {
  const match = REFERENCE.exec(value.trim());
  if (!match) return null;
  const [, version, traceId, spanId, flagsHex, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === "ff" || (version === "00" && rest !== undefined) || /^0+$/.test(traceId) || /^0+$/.test(spanId)) return null;
  const flags = Number.parseInt(flagsHex, 16);
  return { traceId, spanId, sampled: (flags & 1) === 1, flags };
};

describe("parseTraceparent against the grammar", () => {
  it("agrees with the spec's regex on valid, mutated and random values, and on values asked again (at once and after others)", () => {
    const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
    const shaped = fc.tuple(hex(2), hex(32), hex(16), hex(2), fc.oneof(fc.constant(""), fc.string().map((rest) => `-${rest}`), fc.constant("-a\nb"))).map(([v, t, s, f, rest]) => `${v}-${t}-${s}-${f}${rest}`);
    const mutated = fc.tuple(fc.constantFrom(SPEC_EXAMPLE, "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03-x"), fc.nat(60), fc.constantFrom("-", "0", "g", "A", " ", "\n", "")).map(([base, at, ch]) => ` ${base.slice(0, at)}${ch}${base.slice(at + 1)}\t`);
    // The version-00 form unpadded (the parser's fast path), one character changed.
    const mutated00 = fc.tuple(fc.nat(54), fc.constantFrom("-", "0", "f", "g", "A", " ")).map(([at, ch]) => `${SPEC_EXAMPLE.slice(0, at)}${ch}${SPEC_EXAMPLE.slice(at + 1)}`);
    const earlier: string[] = [];
    fc.assert(
      fc.property(fc.oneof(shaped, mutated, mutated00, fc.string(), fc.constant(`00-${"0".repeat(32)}-b7ad6b7169203331-01`)), (value) => {
        const expected = referenceParse(value);
        expect(parseTraceparent(value), JSON.stringify(value)).toEqual(expected);
        expect(parseTraceparent(value), "asked again").toEqual(expected);
        // Past the parser's memory of the last value too.
        for (const before of earlier.slice(-20)) expect(parseTraceparent(before), JSON.stringify(before)).toEqual(referenceParse(before));
        earlier.push(value);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("traceCarrierSchema", () => {
  it("takes a traceparent with an optional tracestate and names a bad field", () => {
    expect(traceCarrierSchema.parse({ traceparent: SPEC_EXAMPLE, tracestate: "jido=p" })).toEqual({ traceparent: SPEC_EXAMPLE, tracestate: "jido=p" });
    const bad = traceCarrierSchema.safeParse({ traceparent: "00-nope" });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(["traceparent"]);
    expect(traceCarrierSchema.safeParse({ traceparent: SPEC_EXAMPLE, extra: 1 }).success).toBe(false);
  });
});

describe("parseTraceCarrier", () => {
  it("agrees with traceCarrierSchema on what it takes and what it answers", () => {
    const traceparent = fc.oneof(fc.constant(SPEC_EXAMPLE), fc.constant(`${SPEC_EXAMPLE.slice(0, -2)}00`), fc.constant("00-nope"), fc.string(), fc.integer(), fc.constant(`${SPEC_EXAMPLE}-${"x".repeat(300)}`));
    const tracestate = fc.oneof(fc.constant(undefined), fc.constant("jido=p"), fc.string({ maxLength: 600 }), fc.constant("x".repeat(513)), fc.integer());
    const carrier = fc.oneof(
      fc.record({ traceparent, tracestate }, { requiredKeys: ["traceparent"] }),
      fc.record({ traceparent, extra: fc.integer() }),
      fc.constant(null),
      fc.constant([SPEC_EXAMPLE]),
      fc.string(),
    );
    fc.assert(
      fc.property(carrier, (value) => {
        const schema = traceCarrierSchema.safeParse(value);
        expect(parseTraceCarrier(value)).toEqual(schema.success ? schema.data : undefined);
      }),
      { numRuns: 500 },
    );
  });
});
