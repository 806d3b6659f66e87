// Delegation: what a token leaves behind that acts for it after its request, a grant
// to an agent or a subscription. Why bounded: a 60-second token must not make
// something that acts forever on its behalf (delegated credentials never outlive the
// delegating one, as OAuth and Stripe restricted keys have it). So a delegation expires
// no later than the token unless the token holds `delegate:durable`, and it records who
// delegated (subject, token id, issue time) so that revoking the token or its subject
// reaches what it delegated.
import type { Caller } from "./caller.ts";
import { checkCapability } from "./check.ts";

/** The capability to delegate beyond the token's own expiry. `admin` holds it too. */
export const DELEGATE_DURABLE = "delegate:durable";

/** Who delegated: the token's subject, id (`jti`, null without one) and issue time (epoch ms). */
export type Delegator = { subject: string; jti: string | null; issuedAt: number };

/**
 * The delegator behind a caller: a principal's token, or null for an agent (an agent
 * only passes on grants it holds, which are delegations of their own). A principal
 * stored by an older version carries no token: `issuedAt` is then when it delegated.
 */
export const delegatorOf = (caller: Caller, now: number): Delegator | null =>
  caller.kind === "principal" ? { subject: caller.subject, jti: caller.token?.jti ?? null, issuedAt: caller.token?.issuedAt ?? now } : null;

/**
 * The latest expiry (epoch ms) of what `caller` delegates now: its token's expiry, or
 * null (no bound) when it holds `delegate:durable` or is not a token holder.
 */
export const delegationBound = (caller: Caller, now: number): number | null => {
  if (caller.kind !== "principal" || !caller.token) return null;
  if (checkCapability(caller.grants, DELEGATE_DURABLE, {}, now).ok) return null;
  return caller.token.expiresAt;
};

/** A requested expiry (null: none) clamped to the bound (null: none). */
export const clampExpiry = (requested: number | null, bound: number | null): number | null =>
  bound === null ? requested : requested === null ? bound : Math.min(requested, bound);

/** The delegator of a grant stored before grants recorded theirs: its `grantedBy` principal, as of its creation. */
export const legacyDelegator = (grantedBy: string, createdAt: number): Delegator | null =>
  grantedBy.startsWith("principal:") ? { subject: grantedBy.slice("principal:".length), jti: null, issuedAt: createdAt } : null;
