import { describe, expect, it } from "vitest";
import type { Caller } from "./caller.ts";
import type { Grant } from "./check.ts";
import { mayDelegate } from "./grants.ts";

const NOW = 1_000_000;

const holding = (...grants: Partial<Grant>[]): Caller => ({
  kind: "principal",
  subject: "granter",
  tenant: "t",
  grants: grants.map((grant) => ({ name: "x", constraints: {}, grantedBy: "test", expiresAt: null, ...grant })),
});

const wanted = (name: string, constraints: Grant["constraints"] = {}, expiresAt: number | null = null) => ({ name, constraints, expiresAt });

describe("mayDelegate", () => {
  it("passes a grant on as held or narrower by name", () => {
    expect(mayDelegate(holding({ name: "agents:call:counter.*" }), wanted("agents:call:counter.increment"), NOW)).toBe(true);
    expect(mayDelegate(holding({ name: "admin" }), wanted("agents:*", { maxBy: 1 }), NOW)).toBe(true);
    expect(mayDelegate(holding({ name: "agents:call:counter.increment" }), wanted("agents:call:counter.*"), NOW)).toBe(false);
  });

  it("never drops or changes a constraint the held grant carries", () => {
    const caller = holding({ name: "agents:call:counter.increment", constraints: { maxBy: 10, region: ["us"] } });
    expect(mayDelegate(caller, wanted("agents:call:counter.increment", { region: ["us"], maxBy: 10 }), NOW)).toBe(true);
    expect(mayDelegate(caller, wanted("agents:call:counter.increment", { maxBy: 10, region: ["us"], minBy: 1 }), NOW)).toBe(true);
    expect(mayDelegate(caller, wanted("agents:call:counter.increment"), NOW)).toBe(false);
    expect(mayDelegate(caller, wanted("agents:call:counter.increment", { maxBy: 10 }), NOW)).toBe(false);
    expect(mayDelegate(caller, wanted("agents:call:counter.increment", { maxBy: 100, region: ["us"] }), NOW)).toBe(false);
  });

  it("never outlives the held grant, and ignores expired ones", () => {
    const caller = holding({ name: "agents:read:counter", expiresAt: NOW + 1000 });
    expect(mayDelegate(caller, wanted("agents:read:counter", {}, NOW + 1000), NOW)).toBe(true);
    expect(mayDelegate(caller, wanted("agents:read:counter", {}, NOW + 1001), NOW)).toBe(false);
    expect(mayDelegate(caller, wanted("agents:read:counter"), NOW)).toBe(false);
    expect(mayDelegate(caller, wanted("agents:read:counter", {}, NOW + 10), NOW + 1000)).toBe(false);
  });

  it("is satisfied by any one held grant", () => {
    const caller = holding({ name: "agents:call:counter.increment", constraints: { maxBy: 1 } }, { name: "agents:call:counter.increment" });
    expect(mayDelegate(caller, wanted("agents:call:counter.increment"), NOW)).toBe(true);
  });
});
