import { describe, expect, it } from "vitest";
import { ProblemError } from "../problem.ts";
import { etagOf, ifMatchAllows, patchSettings, resolveConfig } from "./document.ts";
import { configDefaults, configSchema } from "./schema.ts";

const defaults = configDefaults({ JIDO_RATE_LIMIT_RPS: "50" });

const refusal = (fn: () => unknown): { path: string; message: string }[] => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProblemError) return error.problem.errors ?? [];
    throw error;
  }
  throw new Error("not refused");
};

describe("configuration defaults", () => {
  it("come from the deployment's variables, and are a valid configuration", () => {
    expect(configDefaults({ JIDO_RATE_LIMIT_RPS: "7" }).infrastructure.rateLimit.rps).toBe(7);
    expect(configDefaults({ JIDO_RATE_LIMIT_RPS: "many" }).infrastructure.rateLimit.rps).toBe(50);
    expect(configSchema.safeParse(configDefaults({})).success).toBe(true);
  });
});

describe("patchSettings", () => {
  it("merges the patch into the settings, names the changed paths, and null returns a setting to its default", () => {
    const first = patchSettings(defaults, {}, { infrastructure: { rateLimit: { rps: 5 }, circuitBreakerThreshold: 2 } });
    expect(first.config.infrastructure).toEqual({ rateLimit: { rps: 5 }, circuitBreakerThreshold: 2, quotas: defaults.infrastructure.quotas });
    expect(first.changed).toEqual(["infrastructure.circuitBreakerThreshold", "infrastructure.rateLimit.rps"]);
    const back = patchSettings(defaults, first.settings, { infrastructure: { rateLimit: null } });
    expect(back.config.infrastructure.rateLimit.rps).toBe(50);
    expect(back.settings).toEqual({ infrastructure: { circuitBreakerThreshold: 2 } });
    expect(back.changed).toEqual(["infrastructure.rateLimit.rps"]);
  });

  it("refuses a patch as a whole, naming every bad path", () => {
    const errors = refusal(() =>
      patchSettings(defaults, {}, {
        platform: { environment: "moon" },
        agents: { defaultTimeoutMs: -1, colour: "blue" },
        infrastructure: { rateLimit: { rps: "fast" } },
        flags: { "new-ui": { type: "boolean", variants: { on: true, off: 3 }, defaultVariant: "none" }, "bad key!": { type: "string" } },
      }),
    );
    expect(errors.map((e) => e.path)).toEqual(
      expect.arrayContaining([
        "platform.environment",
        "agents.defaultTimeoutMs",
        "agents.colour",
        "infrastructure.rateLimit.rps",
        "flags.new-ui.variants.off",
        "flags.new-ui.defaultVariant",
        "flags.bad key!",
      ]),
    );
    for (const error of errors) expect(error.message).not.toBe("");
  });

  it("refuses a body that is not an object", () => {
    expect(refusal(() => patchSettings(defaults, {}, [1]))).toEqual([{ path: "(body)", message: expect.any(String) }]);
  });

  it("resolves stored settings over changed defaults", () => {
    expect(resolveConfig(configDefaults({ JIDO_RATE_LIMIT_RPS: "9" }), { agents: { maxQueueSize: 3 } }).infrastructure.rateLimit.rps).toBe(9);
  });
});

describe("If-Match", () => {
  it("allows a write when absent, *, or naming the current version", () => {
    expect(ifMatchAllows(undefined, 3)).toBe(true);
    expect(ifMatchAllows("*", 3)).toBe(true);
    expect(ifMatchAllows(`"v1", ${etagOf(3)}`, 3)).toBe(true);
    expect(ifMatchAllows(etagOf(2), 3)).toBe(false);
    expect(ifMatchAllows(`W/${etagOf(3)}`, 3)).toBe(false);
  });
});
