// Authentication of every /v1 request: `Authorization: Bearer <JWT>` verified with the
// deployment's secret or JWKS. Establishes `principal` and `tenant` for the rest of the
// request. Verified tokens are remembered briefly (never past their expiry) so a busy
// client does not pay for signature checks on every request. A revoked token (by its
// `jti`, or by its subject) is refused; revocations are looked up through the isolate's
// cache (objects/security), so one made elsewhere takes effect within 10 seconds.
import type { MiddlewareHandler } from "hono";
import { revocationCheck } from "../../objects/security/index.ts";
import { problem, type ProblemError } from "../platform/problem.ts";
import type { Principal } from "../platform/security/claims.ts";
import { describeRevocation } from "../platform/security/revocation.ts";
import { createVerifier, type Verifier, type VerifierConfig, VerifierConfigError } from "../platform/security/tokens.ts";
import type { Telemetry } from "../platform/telemetry/emitter.ts";
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

export const authenticate = (log: Logger, telemetry: Telemetry): MiddlewareHandler<AppEnv> => {
  let verifier: { key: string; verify: Verifier } | null = null;
  const verified = new Map<string, { principal: Principal; until: number }>();

  const verifierFor = (env: Bindings): Verifier => {
    const key = [env.JIDO_JWT_SECRET, env.JIDO_JWKS, env.JIDO_JWKS_URL, env.JIDO_JWT_ISSUER, env.JIDO_JWT_AUDIENCE].join("\n");
    if (verifier?.key !== key) {
      try {
        verifier = { key, verify: createVerifier(configOf(env)) };
      } catch (error) {
        // Never open: without a usable key nothing is authenticated. The message names
        // variables, never their values; anything else (a JWKS that is not JSON) says less.
        log.error("token verification is not configured", { message: error instanceof Error ? error.message : String(error) });
        const why = error instanceof VerifierConfigError ? error.message : "JIDO_JWKS is not a JSON Web Key Set, or JIDO_JWKS_URL is not a URL";
        throw problem(503, "auth-not-configured", "Authentication is not configured", `The deployment cannot verify tokens: ${why}.`);
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
    const { tenant, subject, token: facts } = principal.principal;
    const [revoked] = await revocationCheck(c.env.REVOCATIONS, telemetry)(tenant, [{ subject, jti: facts.jti, issuedAt: facts.issuedAt }]);
    if (revoked) throw unauthorized(`The token was ${describeRevocation(revoked)}.`);
    c.set("principal", principal.principal);
    c.set("tenant", tenant);
    await next();
  };
};
