// Token revocation, the decisions: what a revocation request is, when a credential (a
// token, or a delegation made with one) counts as revoked, and the short-lived cache
// that keeps every request from asking the tenant's Revocations object. A revocation
// by `jti` ends one token; one by `sub` ends every token of that subject issued up to
// the revocation (a token's `iat` has whole seconds: up to the second it was made) and
// what they delegated; the subject's later tokens work.
import { z } from "zod";
import { claimsSchema } from "./claims.ts";
import type { Delegator } from "./delegation.ts";

/** The capability to revoke tokens and list revocations. `admin` holds it too. */
export const REVOKE_TOKENS = "tokens:revoke";

/** How stale an isolate's view of the revocations may be: a revocation elsewhere takes effect within this. */
export const REVOCATION_CACHE_MS = 10_000;

/** A tenant holds at most this many revocations. */
export const REVOCATION_LIMIT = 100_000;

export const revocationsObjectName = (tenant: string): string => `revocations/${tenant}`;

const jtiSchema = z.string().min(1).max(200);

export const revocationRequestSchema = z
  .strictObject({ jti: jtiSchema.optional(), sub: claimsSchema.shape.sub.optional() })
  .superRefine((request, ctx) => {
    if (request.jti !== undefined && request.sub !== undefined) ctx.addIssue({ code: "custom", path: ["sub"], message: "give either jti or sub, not both" });
    if (request.jti === undefined && request.sub === undefined) ctx.addIssue({ code: "custom", path: ["jti"], message: "give the token's jti, or sub to revoke every token of a subject" });
  });

export type RevocationRequest = z.input<typeof revocationRequestSchema>;

export type RevocationKind = "jti" | "sub";
export type RevocationKey = { kind: RevocationKind; value: string };
export type Revocation = RevocationKey & { revokedAt: number; revokedBy: string };
export type RevocationView = RevocationKey & { revokedAt: string; revokedBy: string };

export const revocationKeySchema = z.strictObject({ kind: z.enum(["jti", "sub"]), value: z.string().min(1).max(200) });

/** The key a parsed request revokes. */
export const keyOfRequest = (request: z.output<typeof revocationRequestSchema>): RevocationKey =>
  request.jti !== undefined ? { kind: "jti", value: request.jti } : { kind: "sub", value: request.sub ?? "" };

/** One string per key, for storage and caches; list order is by it. */
export const keyString = (key: RevocationKey): string => `${key.kind}:${key.value}`;

export const revocationView = (revocation: Revocation): RevocationView => ({
  kind: revocation.kind,
  value: revocation.value,
  revokedAt: new Date(revocation.revokedAt).toISOString(),
  revokedBy: revocation.revokedBy,
});

/** The keys under which a credential can have been revoked: its token id (when it has one) and its subject. */
export const keysOf = (credential: Delegator): RevocationKey[] => [
  ...(credential.jti === null ? [] : [{ kind: "jti" as const, value: credential.jti }]),
  { kind: "sub", value: credential.subject },
];

/** When each key was revoked, as far as is known; absent or null: not revoked. */
export type RevokedAt = (key: RevocationKey) => number | null | undefined;

/** How a credential was revoked: by its token id, or with its subject's tokens issued up to `revokedAt`. */
export type Revoked = { by: "jti" } | { by: "sub"; revokedAt: number };

/**
 * Whether a credential is revoked: its token id was, or its subject was at or after
 * the token was issued. Null: not revoked.
 */
export const revocationOf = (credential: Delegator, revokedAt: RevokedAt): Revoked | null => {
  if (credential.jti !== null && (revokedAt({ kind: "jti", value: credential.jti }) ?? null) !== null) return { by: "jti" };
  const subject = revokedAt({ kind: "sub", value: credential.subject }) ?? null;
  return subject !== null && credential.issuedAt <= subject ? { by: "sub", revokedAt: subject } : null;
};

/** "revoked ...", to follow "the token was" in a problem's detail. */
export const describeRevocation = (revoked: Revoked): string =>
  revoked.by === "jti" ? "revoked by its id (jti)" : `revoked with every token of its subject issued up to ${new Date(revoked.revokedAt).toISOString()}`;

export type RevocationCache = {
  /** The cached revocation time (null: not revoked) while fresh, else undefined. */
  get(tenant: string, key: RevocationKey, now: number): number | null | undefined;
  set(tenant: string, key: RevocationKey, revokedAt: number | null, now: number): void;
};

/**
 * Per-isolate memory of lookups, fresh for `ttlMs`: a revocation made through another
 * isolate takes effect here within that time. At most `limit` entries (then it starts
 * over, which costs lookups, never correctness).
 */
export const createRevocationCache = (ttlMs = REVOCATION_CACHE_MS, limit = 10_000): RevocationCache => {
  const entries = new Map<string, { revokedAt: number | null; until: number }>();
  const id = (tenant: string, key: RevocationKey) => `${tenant}\n${keyString(key)}`;
  return {
    get(tenant, key, now) {
      const entry = entries.get(id(tenant, key));
      return entry && entry.until > now ? entry.revokedAt : undefined;
    },
    set(tenant, key, revokedAt, now) {
      if (entries.size >= limit) entries.clear();
      entries.set(id(tenant, key), { revokedAt, until: now + ttlMs });
    },
  };
};
