// The one environment type that flows through the app, its routes and middleware:
// the Worker's bindings and the per-request variables middleware establishes.
import type { AgentObjectClass } from "../objects/agent.ts";
import type { Principal } from "./platform/security/claims.ts";

export type Bindings = {
  AGENTS: DurableObjectNamespace<InstanceType<AgentObjectClass>>;
  STREAMS: DurableObjectNamespace;
  BUS: DurableObjectNamespace;
  WORKFLOWS: DurableObjectNamespace;
  RUNS: DurableObjectNamespace;
  RATE_LIMITS: DurableObjectNamespace;
  /** HS256 secret for platform tokens (`.dev.vars` locally, `wrangler secret put` in production). */
  JIDO_JWT_SECRET?: string;
  /** A JWKS (JSON) or its URL, to accept ES256/RS256 tokens from an external issuer. */
  JIDO_JWKS?: string;
  JIDO_JWKS_URL?: string;
  JIDO_JWT_ISSUER?: string;
  JIDO_JWT_AUDIENCE?: string;
  /** Requests per second per token when the token does not say (default 50). */
  JIDO_RATE_LIMIT_RPS?: string;
  /**
   * Webhook policy exceptions, for local development only: comma-separated hosts or
   * host:port that webhooks may reach whatever their address (e.g. `127.0.0.1`), and
   * `true` to accept http:// targets. Unset in production.
   */
  JIDO_WEBHOOK_ALLOW?: string;
  JIDO_WEBHOOK_ALLOW_HTTP?: string;
};

export type Variables = {
  /** The tenant every storage name of this request is scoped to: the token's. */
  tenant: string;
  principal: Principal;
  requestId: string;
};

export type AppEnv = { Bindings: Bindings; Variables: Variables };
