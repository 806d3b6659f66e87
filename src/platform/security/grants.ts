// Capability grants held by an agent: the seed's `grant_capability`. A grant is
// created by a caller who holds (a grant matching) the capability itself, so nobody
// hands out more than they have, and (delegation.ts) it expires no later than the
// token that gave it unless that token holds `delegate:durable`.
import { z } from "zod";
import { canonicalJson } from "../canonical-json.ts";
import { capabilityMatches } from "./capability-name.ts";
import type { Caller } from "./caller.ts";
import { callerName } from "./caller.ts";
import type { Grant } from "./check.ts";
import { grantInputSchema } from "./claims.ts";
import { clampExpiry, delegationBound, type Delegator, delegatorOf } from "./delegation.ts";

export const grantRequestSchema = grantInputSchema;
export type GrantRequest = z.input<typeof grantRequestSchema>;

/** `delegator`: the token that gave it (null: given by an agent, or stored before grants recorded it). */
export type StoredGrant = Grant & { id: string; createdAt: number; delegator: Delegator | null };

export type GrantView = {
  id: string;
  name: string;
  constraints: Grant["constraints"];
  grantedBy: string;
  expiresAt: string | null;
  createdAt: string;
};

export const grantView = (grant: StoredGrant): GrantView => ({
  id: grant.id,
  name: grant.name,
  constraints: grant.constraints,
  grantedBy: grant.grantedBy,
  expiresAt: grant.expiresAt === null ? null : new Date(grant.expiresAt).toISOString(),
  createdAt: new Date(grant.createdAt).toISOString(),
});

/**
 * Whether `caller` holds an unexpired grant that covers `wanted`: its name matches,
 * `wanted` carries each of its constraints unchanged, and it does not outlive it. So a
 * grant can be passed on only as it is held or narrower, never wider (no dropped
 * constraint, no longer life).
 */
export const mayDelegate = (caller: Caller, wanted: Pick<Grant, "name" | "constraints" | "expiresAt">, now: number): boolean =>
  caller.grants.some(
    (held) =>
      (held.expiresAt === null || held.expiresAt > now) &&
      capabilityMatches(held.name, wanted.name) &&
      (held.expiresAt === null || (wanted.expiresAt !== null && wanted.expiresAt <= held.expiresAt)) &&
      Object.entries(held.constraints).every(
        ([key, constraint]) => Object.hasOwn(wanted.constraints, key) && canonicalJson(wanted.constraints[key]) === canonicalJson(constraint),
      ),
  );

/** The grant `caller` asks for, its expiry clamped to what the caller may delegate (the answer reports it). */
export const newGrant = (request: z.output<typeof grantRequestSchema>, caller: Caller, id: string, now: number): StoredGrant => ({
  id,
  name: request.name,
  constraints: request.constraints,
  grantedBy: callerName(caller),
  expiresAt: clampExpiry(request.expires_at ? Date.parse(request.expires_at) : null, delegationBound(caller, now)),
  createdAt: now,
  delegator: delegatorOf(caller, now),
});
