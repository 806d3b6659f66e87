import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { bucketOf, BUCKETS, murmur3, splitVariant } from "./bucket.ts";
import { evaluateFlag } from "./evaluate.ts";
import { type Flag, type FlagInput, flagSchema } from "./flag.ts";

const flag = (input: FlagInput): Flag => flagSchema.parse(input);
const onOff = (rest: Partial<FlagInput> = {}): Flag =>
  flag({ type: "boolean", variants: { on: true, off: false }, defaultVariant: "off", ...rest });

describe("evaluateFlag", () => {
  it("answers the default variant, STATIC, without rules", () => {
    expect(evaluateFlag("f", onOff(), {})).toEqual({ key: "f", value: false, variant: "off", reason: "STATIC" });
  });

  it("answers the first rule that matches tenant, agent type, agent id, labels or any attribute: TARGETING_MATCH", () => {
    const f = onOff({
      rules: [
        { when: { tenant: "acme", agentType: ["counter", "flaky"] }, variant: "on" },
        { when: { "label.region": "eu" }, variant: "on" },
        { when: { plan: "gold", maxSeats: 10 }, variant: "on" },
      ],
    });
    expect(evaluateFlag("f", f, { tenant: "acme", agentType: "counter" })).toMatchObject({ value: true, reason: "TARGETING_MATCH" });
    expect(evaluateFlag("f", f, { tenant: "other", agentType: "counter", labels: { region: "eu" } })).toMatchObject({ value: true, reason: "TARGETING_MATCH" });
    expect(evaluateFlag("f", f, { plan: "gold", seats: 4 })).toMatchObject({ value: true, reason: "TARGETING_MATCH" });
    expect(evaluateFlag("f", f, { plan: "gold", seats: 40 })).toEqual({ key: "f", value: false, variant: "off", reason: "DEFAULT" });
  });

  it("answers the default variant to everyone while switched off: DISABLED", () => {
    const f = onOff({ enabled: false, rules: [{ variant: "on" }] });
    expect(evaluateFlag("f", f, { targetingKey: "a" })).toEqual({ key: "f", value: false, variant: "off", reason: "DISABLED" });
  });

  it("splits by the targeting key (SPLIT), or names the missing key (ERROR)", () => {
    const f = onOff({ rules: [{ split: { on: 50, off: 50 } }] });
    expect(evaluateFlag("f", f, { targetingKey: "u-1" }).reason).toBe("SPLIT");
    expect(evaluateFlag("f", f, {})).toMatchObject({ reason: "ERROR", errorCode: "TARGETING_KEY_MISSING", value: false });
    const byAgent = onOff({ rules: [{ split: { on: 100, off: 0 }, bucketBy: "agentId" }] });
    expect(evaluateFlag("f", byAgent, { agentId: "a-1" })).toMatchObject({ value: true, reason: "SPLIT" });
  });

  it("answers ERROR FLAG_NOT_FOUND for an unknown flag", () => {
    expect(evaluateFlag("nope", undefined, {})).toMatchObject({ reason: "ERROR", errorCode: "FLAG_NOT_FOUND" });
  });
});

describe("flagSchema", () => {
  it("names every bad path of a flag", () => {
    const parsed = flagSchema.safeParse({
      type: "boolean",
      variants: { on: true, off: "no" },
      defaultVariant: "maybe",
      rules: [{ variant: "gone" }, { split: { on: 30, off: 30 } }, { variant: "on", split: { on: 100 } }],
    });
    expect(parsed.success).toBe(false);
    const paths = parsed.error!.issues.map((issue) => issue.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["variants.off", "defaultVariant", "rules.0.variant", "rules.1.split", "rules.2"]));
  });
});

describe("percentage rollouts", () => {
  it("murmur3 matches the reference vectors", () => {
    expect(murmur3("")).toBe(0);
    expect(murmur3("", 1)).toBe(0x514e28b7);
    expect(murmur3("hello")).toBe(0x248bfa47);
    expect(murmur3("The quick brown fox jumps over the lazy dog")).toBe(0x2e4ff723);
  });

  it("gives each percentage its share within 1 % over 100,000 keys, stickily", () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.string({ minLength: 1, maxLength: 12 }), (hundredths, flagKey) => {
        const percentage = hundredths / 100;
        const f = onOff({ rules: [{ split: { on: percentage, off: 100 - percentage } }] });
        let on = 0;
        for (const key of keys) if (evaluateFlag(flagKey, f, { targetingKey: key }).value === true) on++;
        const share = (on / keys.length) * 100;
        // Sticky: the same key answers the same variant again, and a key in at p stays in at a higher p.
        const sample = keys.slice(0, 200);
        const again = sample.every((key) => evaluateFlag(flagKey, f, { targetingKey: key }).variant === evaluateFlag(flagKey, f, { targetingKey: key }).variant);
        const wider = onOff({ rules: [{ split: { on: Math.min(100, percentage + 10), off: 100 - Math.min(100, percentage + 10) } }] });
        const stays = sample.every((key) => evaluateFlag(flagKey, f, { targetingKey: key }).value !== true || evaluateFlag(flagKey, wider, { targetingKey: key }).value === true);
        return Math.abs(share - percentage) <= 1 && again && stays;
      }),
      { numRuns: 12 },
    );
  });

  it("splitVariant covers every bucket in order", () => {
    const weights = [["a", 25], ["b", 75]] as const;
    expect(splitVariant(0, weights)).toBe("a");
    expect(splitVariant(BUCKETS / 4 - 1, weights)).toBe("a");
    expect(splitVariant(BUCKETS / 4, weights)).toBe("b");
    expect(splitVariant(BUCKETS - 1, weights)).toBe("b");
    expect(bucketOf("f", "x")).toBe(bucketOf("f", "x"));
  });
});
