// Security headers by surface. The API keeps its CSP that allows nothing; only the
// dashboard's own routes (/dashboard, /dashboard/...) get a page policy: scripts, styles,
// fetches and sockets from this origin only, no inline script or style, no eval, no
// framing. ('self' in connect-src covers ws:/wss: to this origin, CSP Level 3.)
import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

type SecureHeadersOptions = NonNullable<Parameters<typeof secureHeaders>[0]>;

export const DASHBOARD_SECURITY_HEADERS = {
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    connectSrc: ["'self'"],
    imgSrc: ["'self'", "data:"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: "DENY",
} satisfies SecureHeadersOptions;

/** Whether `path` is the dashboard's (its pages and its static files). */
export const isDashboardPath = (path: string): boolean => path === "/dashboard" || path.startsWith("/dashboard/");

/** The API's headers everywhere except the dashboard's routes, which get the page policy. */
export const securityHeaders = (api: SecureHeadersOptions): MiddlewareHandler => {
  const forApi = secureHeaders(api);
  const forDashboard = secureHeaders(DASHBOARD_SECURITY_HEADERS);
  return (c, next) => (isDashboardPath(c.req.path) ? forDashboard(c, next) : forApi(c, next));
};
