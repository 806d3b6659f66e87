// Builds the HTTP application: middleware, every router, the OpenAPI document and the
// single error path. The Worker entry and the tests build it the same way.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AgentRegistry } from "./platform/agent/registry.ts";
import { LIMITS } from "./platform/agent/limits.ts";
import { createTelemetry, type Telemetry } from "./platform/telemetry/emitter.ts";
import { createLogger, type Logger } from "./platform/telemetry/logger.ts";
import type { AppEnv } from "./env.ts";
import { agentLifecycleRoutes } from "./api/agent-lifecycle.ts";
import { agentTypeRoutes } from "./api/agent-types.ts";
import { agentRoutes } from "./api/agents.ts";
import { agentGrantRoutes } from "./api/agent-grants.ts";
import { agentScheduleRoutes } from "./api/agent-schedules.ts";
import { streamRoutes } from "./api/streams.ts";
import { eventRoutes } from "./api/events.ts";
import { subscriptionRoutes } from "./api/subscriptions.ts";
import { workflowRoutes } from "./api/workflows.ts";
import { runRoutes } from "./api/runs.ts";
import { runLiveRoutes } from "./api/run-live.ts";
import { directoryRoutes } from "./api/directory.ts";
import { revocationRoutes } from "./api/revocations.ts";
import { configRoutes } from "./api/config.ts";
import { flagRoutes } from "./api/flags.ts";
import { cacheRoutes } from "./api/cache.ts";
import { poolRoutes } from "./api/pools.ts";
import { metricsRoutes } from "./api/metrics.ts";
import { collectMetrics } from "./api/metrics-collection.ts";
import { bindRequest, requestLogFields } from "./api/request-context.ts";
import { groupRoutes } from "./api/groups.ts";
import { liveByTicket, liveRoutes } from "./api/live.ts";
import { catalogOf } from "./platform/workflow/catalog.ts";
import type { WorkflowDefinition } from "./platform/workflow/definition.ts";
import { allowedMethods } from "./api/allowed-methods.ts";
import { errorHandler, notFoundHandler } from "./api/errors.ts";
import { healthRoutes } from "./api/health.ts";
import { limitBody, requestId, requireJsonBody } from "./api/request-guards.ts";
import { validationHook } from "./api/validation-hook.ts";
import { authenticate } from "./api/auth.ts";
import { rateLimit } from "./api/rate-limit.ts";
import { traceRequests } from "./api/tracing.ts";
import type { secureHeaders } from "hono/secure-headers";
import { securityHeaders } from "./dashboard/csp.ts";
import { dashboardRoutes } from "./dashboard/routes.tsx";

export const PLATFORM_VERSION = "0.1.0";

// The headers a JSON API needs (OWASP REST Security): no sniffing, no framing, no
// referrer, HTTPS only, nothing loadable cross-origin, and a CSP that allows nothing.
// Hono's other defaults (X-XSS-Protection, X-Download-Options, X-DNS-Prefetch-Control,
// X-Permitted-Cross-Domain-Policies, Origin-Agent-Cluster, COOP) only concern pages.
const API_SECURITY_HEADERS = {
  contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  xFrameOptions: "DENY",
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
} satisfies NonNullable<Parameters<typeof secureHeaders>[0]>;

export type AppOptions = { registry: AgentRegistry; workflows?: readonly WorkflowDefinition[]; telemetry?: Telemetry; log?: Logger };

export const createApp = (options: AppOptions) => {
  const deps = {
    registry: options.registry,
    catalog: catalogOf(options.registry),
    workflows: options.workflows ?? [],
    telemetry: options.telemetry ?? createTelemetry(),
    log: options.log ?? createLogger({ base: { component: "api" }, context: requestLogFields }),
  };
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.onError(errorHandler(deps.log));
  // First, so the request's span covers everything after it (and every object call continues it).
  app.use("*", traceRequests());
  app.use("*", requestId());
  app.use("*", bindRequest());
  app.use("*", collectMetrics(deps.telemetry, deps.log));
  // The dashboard's pages get a page CSP (src/dashboard/csp.ts); everything else the API's.
  app.use("*", securityHeaders(API_SECURITY_HEADERS));
  // A live socket opened with a ticket (a browser cannot send a token on a WebSocket) is
  // served before authentication: the ticket is its credential. Anything else falls through.
  app.get("/v1/agents/:id/live", liveByTicket());
  app.use("/v1/*", authenticate(deps.log, deps.telemetry));
  app.use("/v1/*", rateLimit(deps.telemetry));
  app.use("/v1/*", limitBody((path) => (path.endsWith("/restore") ? LIMITS.restoreRequestBytes : LIMITS.requestBytes)));
  // CloudEvents binary mode: the body is the event's data, of any media type.
  app.use("/v1/*", requireJsonBody((method, path) => method === "POST" && path === "/v1/events"));

  app.route("/", healthRoutes(PLATFORM_VERSION));
  app.route("/", agentTypeRoutes(deps));
  app.route("/", agentRoutes(deps));
  app.route("/", directoryRoutes(deps));
  app.route("/", agentLifecycleRoutes(deps));
  app.route("/", agentGrantRoutes(deps));
  app.route("/", agentScheduleRoutes(deps));
  app.route("/", eventRoutes(deps));
  app.route("/", streamRoutes(deps));
  app.route("/", subscriptionRoutes(deps));
  app.route("/", workflowRoutes(deps));
  app.route("/", runRoutes(deps));
  app.route("/", runLiveRoutes(deps));
  app.route("/", revocationRoutes(deps));
  app.route("/", configRoutes(deps));
  app.route("/", flagRoutes(deps));
  app.route("/", cacheRoutes(deps));
  app.route("/", poolRoutes(deps));
  app.route("/", metricsRoutes(deps));
  app.route("/", groupRoutes(deps));
  app.route("/", liveRoutes(deps));
  app.route("/", dashboardRoutes());

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
  app.doc31("/v1/openapi.json", {
    openapi: "3.1.0",
    info: { title: "JidoSystem", version: PLATFORM_VERSION, description: "Agents as Durable Objects: spawn, call, lifecycle, checkpoints." },
    security: [{ bearer: [] }],
  });
  // After every route is mounted: the methods each path takes come from the route table.
  app.notFound(notFoundHandler(allowedMethods(app.routes)));
  return app;
};
