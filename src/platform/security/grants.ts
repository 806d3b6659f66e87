// Capability grants held by an agent: the seed's `grant_capability`. A grant is
// created by a caller who holds (a grant matching) the capability itself, so nobody
// hands out more than they have.
import { z } from "zod";
import { canonicalJson } from "../canonical-json.ts";
import { capabilityMatches } from "./capability-name.ts";
import type { Caller } from "./caller.ts";
import { callerName } from "./caller.ts";
import type { Grant } from "./check.ts";
import { grantInputSchema } from "./claims.ts";

export const grantRequestSchema = grantInputSchema;
export type GrantRequest = z.input<typeof grantRequestSchema>;

export type StoredGrant = Grant & { id: string; createdAt: number };

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

export const newGrant = (request: z.output<typeof grantRequestSchema>, caller: Caller, id: string, now: number): StoredGrant => ({
  id,
  name: request.name,
  constraints: request.constraints,
  grantedBy: callerName(caller),
  expiresAt: request.expires_at ? Date.parse(request.expires_at) : null,
  createdAt: now,
});
