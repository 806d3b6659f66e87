import { describe, expect, it } from "vitest";
import { checkCapability, type Grant } from "./check.ts";
import { checkConstraints } from "./constraints.ts";

const grant = (name: string, constraints: Grant["constraints"] = {}, expiresAt: number | null = null): Grant => ({
  name,
  constraints,
  grantedBy: "test",
  expiresAt,
});

describe("checkConstraints", () => {
  it.each([
    [{ region: "us" }, { region: "us" }, true],
    [{ region: "us" }, { region: "eu" }, false],
    [{ region: ["us", "eu"] }, { region: "eu" }, true],
    [{ region: ["us", "eu"] }, { region: "ap" }, false],
    [{ maxAmount: 100 }, { amount: 100 }, true],
    [{ maxAmount: 100 }, { amount: 100.5 }, false],
    [{ minAmount: 10 }, { amount: 5 }, false],
    [{ amount: { min: 1, max: 10 } }, { amount: 10 }, true],
    [{ amount: { min: 1, max: 10 } }, { amount: 0 }, false],
    [{ maxAmount: 100 }, { amount: "100" }, false],
    [{ region: "us" }, {}, false],
    [{ maxAmount: 100 }, {}, false],
  ])("%j with context %j: %s", (constraints, context, ok) => {
    expect(checkConstraints(constraints, context).ok).toBe(ok);
  });
});

describe("checkCapability", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");

  it("passes with a matching, unexpired grant whose constraints hold", () => {
    const outcome = checkCapability([grant("agents:call:payment.*", { maxAmount: 100 })], "agents:call:payment.charge", { amount: 50 }, now);
    expect(outcome).toMatchObject({ ok: true, grant: { name: "agents:call:payment.*" } });
  });

  it("denies without a matching grant, naming the capability", () => {
    expect(checkCapability([grant("agents:read")], "agents:spawn:counter", {}, now)).toEqual({
      ok: false,
      reason: "no grant of 'agents:spawn:counter'",
    });
  });

  it("denies an expired grant and says so", () => {
    const outcome = checkCapability([grant("agents:read", {}, now - 1)], "agents:read", {}, now);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.reason).toContain("expired");
  });

  it("denies a violated constraint and names it", () => {
    const outcome = checkCapability([grant("agents:call:payment.charge", { maxAmount: 100 })], "agents:call:payment.charge", { amount: 500 }, now);
    expect(!outcome.ok && outcome.reason).toContain("maxAmount");
  });

  it("uses any one grant that allows the call", () => {
    const grants = [grant("agents:call:payment.charge", { maxAmount: 10 }), grant("agents:call:payment.charge", { maxAmount: 1000 })];
    expect(checkCapability(grants, "agents:call:payment.charge", { amount: 500 }, now).ok).toBe(true);
  });

  it("admin grants everything", () => {
    expect(checkCapability([grant("admin")], "agents:call:anything.at_all", {}, now).ok).toBe(true);
  });
});
