import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { capabilityMatches, capabilityNameSchema } from "./capability-name.ts";

describe("capabilityMatches", () => {
  it.each([
    ["agents:spawn:counter", "agents:spawn:counter", true],
    ["agents:spawn:counter", "agents:spawn:data_processor", false],
    ["agents:call:order.*", "agents:call:order.create", true],
    ["agents:call:order.*", "agents:call:order.line.add", true],
    ["agents:call:order.*", "agents:call:orders.create", false],
    ["agents:*", "agents:call:order.create", true],
    ["agents:*", "events:publish:order.created", false],
    ["agents:call:*.read", "agents:call:order.read", true],
    ["agents:call:*.read", "agents:call:a.b.read", false],
    ["agents:call:*.read", "agents:call:order.write", false],
    ["*", "anything:at.all", true],
    ["admin", "agents:call:order.create", true],
    ["agents:call:order", "agents:call:order.create", false],
    ["agents.call", "agentsXcall", false],
  ])("%s grants %s: %s", (granted, required, expected) => {
    expect(capabilityMatches(granted, required)).toBe(expected);
  });

  const segment = fc.stringMatching(/^[a-z0-9_]{1,8}$/);
  const name = fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join(":"));

  it("every name grants itself and is granted by its prefix followed by *", () => {
    fc.assert(
      fc.property(name, fc.nat(), (required, cut) => {
        expect(capabilityMatches(required, required)).toBe(true);
        const prefix = required.slice(0, cut % (required.length + 1));
        expect(capabilityMatches(`${prefix}*`, required)).toBe(true);
      }),
    );
  });

  it("a name without wildcards grants only itself", () => {
    fc.assert(
      fc.property(name, name, (granted, required) => {
        fc.pre(granted !== "admin");
        expect(capabilityMatches(granted, required)).toBe(granted === required);
      }),
    );
  });

  it("a mid-name * never crosses a separator", () => {
    fc.assert(
      fc.property(segment, segment, segment, (a, b, c) => {
        expect(capabilityMatches(`x:*:${c}`, `x:${a}:${c}`)).toBe(true);
        expect(capabilityMatches(`x:*:${c}`, `x:${a}.${b}:${c}`)).toBe(false);
        expect(capabilityMatches(`x:*:${c}`, `x:${a}:${b}:${c}`)).toBe(false);
      }),
    );
  });

  it("refuses names with other characters", () => {
    expect(capabilityNameSchema.safeParse("agents:call:order.*").success).toBe(true);
    for (const bad of ["", "agents call", "agents::x", "a/b", "a:b:", "é"]) {
      expect(capabilityNameSchema.safeParse(bad).success).toBe(false);
    }
  });
});
