// The claims a platform token carries, as a zod schema, and the principal a verified
// token becomes: who (`sub`), which tenant, and what they may do (`caps`, each a name
// or a grant with constraints and expiry).
import { z } from "zod";
import { idSchema } from "../ids.ts";
import { capabilityNameSchema } from "./capability-name.ts";
import type { Grant } from "./check.ts";
import { constraintsSchema } from "./constraints.ts";

export const grantInputSchema = z.strictObject({
  name: capabilityNameSchema,
  constraints: constraintsSchema.default({}),
  expires_at: z.iso.datetime({ offset: false }).nullable().optional(),
});

export const tokenCapabilitySchema = z.union([capabilityNameSchema, grantInputSchema]);

export const claimsSchema = z.object({
  sub: z.string().min(1).max(200),
  tenant: idSchema,
  caps: z.array(tokenCapabilitySchema).max(200),
  exp: z.number().int(),
  iat: z.number().int(),
  nbf: z.number().int().optional(),
  iss: z.string().max(200).optional(),
  /** The token's own id, by which it can be revoked; a token without one is revoked only by subject. */
  jti: z.string().min(1).max(200).optional(),
  /** Requests per second this token may make; the deployment's default when absent. */
  rps: z.number().positive().max(1_000_000).optional(),
});

export type Claims = z.output<typeof claimsSchema>;
export type TokenCapability = z.input<typeof tokenCapabilitySchema>;

export type Principal = {
  subject: string;
  tenant: string;
  grants: Grant[];
  /** A stable, non-secret identifier of the token (a hash), for rate limits and audit. */
  tokenId: string;
  rps: number | null;
  /** The token itself: what delegations made with it are bounded by and revoked with. */
  token: TokenFacts;
};

/** A token's id (`jti`, null without one), issue time and expiry, in epoch ms. */
export type TokenFacts = { jti: string | null; issuedAt: number; expiresAt: number };

export const grantFrom = (capability: z.output<typeof tokenCapabilitySchema>, grantedBy: string): Grant =>
  typeof capability === "string"
    ? { name: capability, constraints: {}, grantedBy, expiresAt: null }
    : {
        name: capability.name,
        constraints: capability.constraints,
        grantedBy,
        expiresAt: capability.expires_at ? Date.parse(capability.expires_at) : null,
      };

export const principalFrom = (claims: Claims, tokenId: string): Principal => ({
  subject: claims.sub,
  tenant: claims.tenant,
  grants: claims.caps.map((cap) => grantFrom(cap, claims.iss ?? "token")),
  tokenId,
  rps: claims.rps ?? null,
  token: { jti: claims.jti ?? null, issuedAt: claims.iat * 1000, expiresAt: claims.exp * 1000 },
});
