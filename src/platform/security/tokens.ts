// Signing and verifying platform tokens with jose. HS256 with a shared secret is the
// default; ES256/RS256 against a JWKS is the option for an external issuer. The key is
// chosen by the token's algorithm, so an HS256 token is never checked against a public
// key (no algorithm confusion), and `alg: none` or any other algorithm is refused.
// With a JWKS, issuer and audience are required: keys of an identity provider sign
// tokens for many audiences, and without both checks a token minted for another
// application (or by another tenant of the provider) would be accepted here.
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey, jwtVerify, SignJWT } from "jose";
import { sha256Hex } from "../canonical-json.ts";
import { type Claims, claimsSchema, type Principal, principalFrom, type TokenCapability } from "./claims.ts";

export const MIN_SECRET_BYTES = 32;

export type VerifierConfig = {
  secret?: string;
  jwks?: JSONWebKeySet;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
};

export type Verification = { ok: true; principal: Principal; expiresAt: number } | { ok: false; reason: string };
export type Verifier = (token: string) => Promise<Verification>;

/** A configuration that cannot verify tokens safely; `message` names the variables, never their values. */
export class VerifierConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VerifierConfigError";
  }
}

/** Throws VerifierConfigError when the configuration cannot verify anything safely. */
export const createVerifier = (config: VerifierConfig): Verifier => {
  const hsKey = config.secret ? new TextEncoder().encode(config.secret) : null;
  if (hsKey && hsKey.byteLength < MIN_SECRET_BYTES) {
    throw new VerifierConfigError(`JIDO_JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  if ((config.jwks || config.jwksUrl) && (!config.issuer || !config.audience)) {
    const missing = [config.issuer ? null : "JIDO_JWT_ISSUER", config.audience ? null : "JIDO_JWT_AUDIENCE"].filter((name) => name !== null);
    throw new VerifierConfigError(`a JWKS (JIDO_JWKS or JIDO_JWKS_URL) requires JIDO_JWT_ISSUER and JIDO_JWT_AUDIENCE; ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not set`);
  }
  const jwks: JWTVerifyGetKey | null = config.jwks
    ? createLocalJWKSet(config.jwks)
    : config.jwksUrl
      ? createRemoteJWKSet(new URL(config.jwksUrl))
      : null;
  if (!hsKey && !jwks) throw new VerifierConfigError("neither JIDO_JWT_SECRET nor a JWKS (JIDO_JWKS or JIDO_JWKS_URL) is set");
  const algorithms = [...(hsKey ? ["HS256"] : []), ...(jwks ? ["ES256", "RS256"] : [])];
  const keyFor: JWTVerifyGetKey = (header, token) => {
    if (header.alg === "HS256" && hsKey) return hsKey;
    if (jwks && (header.alg === "ES256" || header.alg === "RS256")) return jwks(header, token);
    throw new Error("algorithm not allowed");
  };
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keyFor, {
        algorithms,
        clockTolerance: 5,
        requiredClaims: ["exp", "iat", "sub"],
        ...(config.issuer ? { issuer: config.issuer } : {}),
        ...(config.audience ? { audience: config.audience } : {}),
      });
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) {
        const issue = claims.error.issues[0];
        return { ok: false, reason: `claim '${issue?.path.join(".") || "?"}' is missing or invalid` };
      }
      const tokenId = (await sha256Hex(token)).slice(0, 32);
      return { ok: true, principal: principalFrom(claims.data, tokenId), expiresAt: claims.data.exp * 1000 };
    } catch (error) {
      return { ok: false, reason: describeJoseError(error) };
    }
  };
};

const describeJoseError = (error: unknown): string => {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  switch (code) {
    case "ERR_JWT_EXPIRED":
      return "the token has expired";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      return "a claim of the token is not valid now (nbf, iat, iss or aud)";
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return "the token's signature is not valid";
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return "the token's algorithm is not allowed";
    case "ERR_JWS_INVALID":
    case "ERR_JWT_INVALID":
      return "the token is malformed";
    default:
      return "the token could not be verified";
  }
};

export type TokenRequest = {
  subject: string;
  tenant: string;
  caps: TokenCapability[];
  ttlSeconds?: number;
  notBefore?: number;
  rps?: number;
  issuer?: string;
  /** The token's id (`jti`); a random one when not given, so that every token can be revoked. */
  jti?: string;
};

/** Signs an HS256 token (local development, tests and scripts). */
export const signToken = async (secret: string, request: TokenRequest, now = Date.now()): Promise<string> => {
  const iat = Math.floor(now / 1000);
  const claims: Omit<Claims, "sub" | "exp" | "iat"> = { tenant: request.tenant, caps: request.caps as Claims["caps"] };
  if (request.rps !== undefined) claims.rps = request.rps;
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(request.subject)
    .setJti(request.jti ?? crypto.randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(iat + (request.ttlSeconds ?? 3600));
  if (request.notBefore !== undefined) jwt.setNotBefore(Math.floor(request.notBefore / 1000));
  if (request.issuer) jwt.setIssuer(request.issuer);
  return jwt.sign(new TextEncoder().encode(secret));
};
