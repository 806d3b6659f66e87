// The one environment type that flows through the app, its routes and middleware: the
// Worker's bindings and the per-request variables middleware establishes. The bindings
// are the global `Env` that `wrangler types` generates from wrangler.toml
// (worker-configuration.d.ts), so every Durable Object stub type is derived from its
// class and no module here imports an object module. Secrets are not in wrangler.toml,
// so they are declared below. Regenerate the file with `npm run types`
// after changing wrangler.toml.
import type { Principal } from "./platform/security/claims.ts";
import type { UnsampledTrace } from "./platform/telemetry/unsampled.ts";

/** Secrets and options that are not in wrangler.toml (`.dev.vars` locally). */
type Secrets = {
  /** HS256 secret for platform tokens (`.dev.vars` locally, `wrangler secret put` in production). */
  JIDO_JWT_SECRET?: string;
  /** A JWKS (JSON) or its URL, to accept ES256/RS256 tokens from an external issuer. */
  JIDO_JWKS?: string;
  JIDO_JWKS_URL?: string;
  JIDO_JWT_ISSUER?: string;
  JIDO_JWT_AUDIENCE?: string;
  /** Headers sent with exported spans (`k=v,k2=v2`), e.g. the collector's credentials. */
  JIDO_OTLP_HEADERS?: string;
};

export type Bindings = Env & Secrets;

export type Variables = {
  /** The tenant every storage name of this request is scoped to: the token's. */
  tenant: string;
  principal: Principal;
  requestId: string;
  /** The request's trace, when it is decided unsampled (src/api/tracing.ts). */
  unsampledTrace: UnsampledTrace;
};

export type AppEnv = { Bindings: Bindings; Variables: Variables };
