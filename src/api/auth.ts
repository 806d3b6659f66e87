// Authentication of every /v1 request: `Authorization: Bearer <JWT>` verified with the
// deployment's secret or JWKS. Establishes `principal` and `tenant` for the rest of the
// request. Verified tokens are remembered briefly (never past their expiry) so a busy
// client does not pay for signature checks on every request.
import type { MiddlewareHandler } from "hono";
import { problem, type ProblemError } from "../platform/problem.ts";
import type { Principal } from "../platform/security/claims.ts";
import { createVerifier, type Verifier, type VerifierConfig } from "../platform/security/tokens.ts";
import type { Logger } from "../platform/telemetry/logger.ts";
import type { AppEnv, Bindings } from "../env.ts";

const unauthorized = (detail: string): ProblemError => problem(401, "unauthorized", "Unauthorized", detail);

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/;
const CACHE_LIMIT = 1_000;
const CACHE_MS = 60_000;

const configOf = (env: Bindings): VerifierConfig => {
  const config: VerifierConfig = {};
  if (env.JIDO_JWT_SECRET) config.secret = env.JIDO_JWT_SECRET;
  if (env.JIDO_JWKS) config.jwks = JSON.parse(env.JIDO_JWKS) as NonNullable<VerifierConfig["jwks"]>;
  if (env.JIDO_JWKS_URL) config.jwksUrl = env.JIDO_JWKS_URL;
  if (env.JIDO_JWT_ISSUER) config.issuer = env.JIDO_JWT_ISSUER;
  if (env.JIDO_JWT_AUDIENCE) config.audience = env.JIDO_JWT_AUDIENCE;
  return config;
};

export const authenticate = (log: Logger): MiddlewareHandler<AppEnv> => {
  let verifier: { key: string; verify: Verifier } | null = null;
  const verified = new Map<string, { principal: Principal; until: number }>();

  const verifierFor = (env: Bindings): Verifier => {
    const key = [env.JIDO_JWT_SECRET, env.JIDO_JWKS, env.JIDO_JWKS_URL, env.JIDO_JWT_ISSUER, env.JIDO_JWT_AUDIENCE].join("\n");
    if (verifier?.key !== key) {
      try {
        verifier = { key, verify: createVerifier(configOf(env)) };
      } catch (error) {
        // Never open: without a usable key nothing is authenticated.
        log.error("token verification is not configured", { message: error instanceof Error ? error.message : String(error) });
        throw problem(503, "auth-not-configured", "Authentication is not configured", "The deployment has no usable token secret or JWKS.");
      }
      verified.clear();
    }
    return verifier.verify;
  };

  return async (c, next) => {
    const verify = verifierFor(c.env);
    const header = c.req.header("authorization");
    if (!header) throw unauthorized("Send a token as 'Authorization: Bearer <token>'.");
    const token = BEARER.exec(header)?.[1];
    if (!token) throw unauthorized("The Authorization header is not 'Bearer <JWT>'.");
    const now = Date.now();
    let principal = verified.get(token);
    if (!principal || principal.until <= now) {
      const outcome = await verify(token);
      if (!outcome.ok) throw unauthorized(`The token was refused: ${outcome.reason}.`);
      if (verified.size >= CACHE_LIMIT) verified.clear();
      principal = { principal: outcome.principal, until: Math.min(outcome.expiresAt, now + CACHE_MS) };
      verified.set(token, principal);
    }
    c.set("principal", principal.principal);
    c.set("tenant", principal.principal.tenant);
    await next();
  };
};
