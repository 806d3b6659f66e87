import { describe, expect, it } from "vitest";
import type { Caller } from "./caller.ts";
import { clampExpiry, delegationBound, delegatorOf, legacyDelegator } from "./delegation.ts";
import { newGrant } from "./grants.ts";

const NOW = 1_800_000_000_000;
const token = { jti: "j-1", issuedAt: NOW - 1_000, expiresAt: NOW + 60_000 };

const principal = (caps: string[], withToken = true): Caller => ({
  kind: "principal",
  subject: "alice",
  tenant: "t",
  grants: caps.map((name) => ({ name, constraints: {}, grantedBy: "token", expiresAt: null })),
  ...(withToken ? { token } : {}),
});

describe("delegationBound", () => {
  it("is the token's expiry, unless the token holds delegate:durable (or admin)", () => {
    expect(delegationBound(principal(["agents:*"]), NOW)).toBe(NOW + 60_000);
    expect(delegationBound(principal(["agents:*", "delegate:durable"]), NOW)).toBeNull();
    expect(delegationBound(principal(["admin"]), NOW)).toBeNull();
    expect(delegationBound(principal(["delegate:*"]), NOW)).toBeNull();
  });

  it("does not count an expired delegate:durable grant", () => {
    const caller: Caller = { ...principal([]), grants: [{ name: "delegate:durable", constraints: {}, grantedBy: "token", expiresAt: NOW - 1 }] };
    expect(delegationBound(caller, NOW)).toBe(NOW + 60_000);
  });

  it("is none for agents and for principals stored without token facts", () => {
    expect(delegationBound({ kind: "agent", id: "a", type: "relay", tenant: "t", grants: [] }, NOW)).toBeNull();
    expect(delegationBound(principal(["agents:*"], false), NOW)).toBeNull();
  });
});

describe("clampExpiry", () => {
  it("keeps an earlier expiry, clamps a later one or none to the bound, and leaves all as asked without a bound", () => {
    expect(clampExpiry(NOW + 10, NOW + 60)).toBe(NOW + 10);
    expect(clampExpiry(NOW + 600, NOW + 60)).toBe(NOW + 60);
    expect(clampExpiry(null, NOW + 60)).toBe(NOW + 60);
    expect(clampExpiry(NOW + 600, null)).toBe(NOW + 600);
    expect(clampExpiry(null, null)).toBeNull();
  });
});

describe("delegators", () => {
  it("are a principal's subject, token id and issue time; none for an agent", () => {
    expect(delegatorOf(principal([]), NOW)).toEqual({ subject: "alice", jti: "j-1", issuedAt: NOW - 1_000 });
    expect(delegatorOf(principal([], false), NOW)).toEqual({ subject: "alice", jti: null, issuedAt: NOW });
    expect(delegatorOf({ kind: "agent", id: "a", type: "relay", tenant: "t", grants: [] }, NOW)).toBeNull();
  });

  it("of a grant stored before delegators were recorded, are its principal as of its creation", () => {
    expect(legacyDelegator("principal:alice", NOW)).toEqual({ subject: "alice", jti: null, issuedAt: NOW });
    expect(legacyDelegator("agent:relay/r1", NOW)).toBeNull();
  });
});

describe("newGrant", () => {
  const request = { name: "agents:call:counter.increment", constraints: {}, expires_at: undefined };

  it("clamps the grant's expiry to the token and records its delegator", () => {
    const grant = newGrant(request, principal(["agents:*"]), "g1", NOW);
    expect(grant).toMatchObject({ expiresAt: NOW + 60_000, grantedBy: "principal:alice", delegator: { subject: "alice", jti: "j-1" } });
    expect(newGrant({ ...request, expires_at: new Date(NOW + 10_000).toISOString() }, principal(["agents:*"]), "g2", NOW).expiresAt).toBe(NOW + 10_000);
    expect(newGrant({ ...request, expires_at: new Date(NOW + 3_600_000).toISOString() }, principal(["agents:*"]), "g3", NOW).expiresAt).toBe(NOW + 60_000);
    expect(newGrant(request, principal(["agents:*", "delegate:durable"]), "g4", NOW).expiresAt).toBeNull();
  });
});
