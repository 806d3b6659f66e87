// The request being served, for code that runs inside it without a handle on it: the
// app's logger (every line carries the request's id and tenant) and the metrics
// collector (an event without a tenant is the request's). Kept in an AsyncLocalStorage
// (nodejs_compat), entered once by the first middleware.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Context, MiddlewareHandler } from "hono";
import type { LogFields } from "../platform/telemetry/logger.ts";
import type { AppEnv } from "../env.ts";

const current = new AsyncLocalStorage<Context<AppEnv>>();

export const bindRequest = (): MiddlewareHandler<AppEnv> => (c, next) => current.run(c, next);

export const currentRequest = (): Context<AppEnv> | undefined => current.getStore();

/** The fields every log line of a request carries (nothing outside a request). */
export const requestLogFields = (): LogFields | undefined => {
  const c = current.getStore();
  return c ? { requestId: c.get("requestId") ?? null, tenant: c.get("tenant") ?? null } : undefined;
};
