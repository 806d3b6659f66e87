// The Worker's span of each request: a server span continuing the caller's `traceparent`
// (parent-based sampling: a sampled caller is traced whatever the rate), named and
// attributed after the OpenTelemetry HTTP server conventions once the route is known,
// active while the request is handled (so every object call continues it), and exported
// after the response with waitUntil (objects/durable/tracing.ts: one trailing export per
// interval). A request its trace leaves unsampled (90% at the default rate) pays for the
// decision and no more: it runs under its trace's plain carrier, without a span
// (src/platform/telemetry/unsampled.ts), kept on the request.
import type { Context, MiddlewareHandler, Next } from "hono";
import { routePath } from "hono/route";
import { tracingFor } from "../../objects/durable/index.ts";
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_ERROR_TYPE,
} from "../platform/telemetry/semconv.ts";
import { type Attributes, type Context as TraceContext, enterTrace, SpanKind, withSpan } from "../platform/telemetry/spans.ts";
import { setAmbientUnsampled } from "../platform/telemetry/unsampled.ts";
import type { AppEnv } from "../env.ts";
import { currentRequest } from "./request-context.ts";

// Not async: the unsampled path hands on `next`'s own promise, without another around it.
export const traceRequests = (): MiddlewareHandler<AppEnv> => (c, next) => {
  const tracing = tracingFor(c.env);
  if (!tracing.enabled) return next();
  const traceparent = c.req.header("traceparent");
  const tracestate = traceparent === undefined ? undefined : c.req.header("tracestate");
  const carrier = traceparent === undefined ? undefined : tracestate === undefined ? { traceparent } : { traceparent, tracestate };
  return enterTrace(carrier, undefined, next, (parent) => traceRequest(c, next, parent), (unsampled) => c.set("unsampledTrace", unsampled));
};

// An unsampled request's trace is kept on the request, whose storage (request-context.ts)
// is entered anyway, instead of entering the tracing's storage too.
setAmbientUnsampled(() => currentRequest()?.get("unsampledTrace"));

const traceRequest = async (c: Context<AppEnv>, next: Next, parent: TraceContext): Promise<void> => {
  const tracing = tracingFor(c.env);
  const method = c.req.method;
  let sampled = false as boolean;
  await withSpan(method, { kind: SpanKind.SERVER, parent }, async (span) => {
    // Attributes only on a span that records (as its sampler decided).
    sampled = span.isRecording();
    if (sampled) span.setAttributes(requestAttributes(c.req.url, method));
    await next();
    if (!sampled) return;
    // The route's pattern, not the path: a span name must not carry ids (low cardinality).
    const route = routePath(c, -1);
    if (route && route !== "*" && route !== "/*") {
      span.setAttribute(ATTR_HTTP_ROUTE, route);
      span.updateName(`${method} ${route}`);
    }
    const status = c.res.status;
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (status >= 500) {
      span.setAttribute(ATTR_ERROR_TYPE, String(status));
      span.setStatus({ code: 2 });
    }
  });
  if (!sampled) return;
  const flush = tracing.flush();
  if (flush) c.executionCtx.waitUntil(flush);
};

const requestAttributes = (href: string, method: string): Attributes => {
  const url = new URL(href);
  return {
    [ATTR_HTTP_REQUEST_METHOD]: method,
    [ATTR_URL_PATH]: url.pathname,
    [ATTR_URL_SCHEME]: url.protocol.replace(":", ""),
    [ATTR_SERVER_ADDRESS]: url.hostname,
    ...(url.port ? { [ATTR_SERVER_PORT]: Number(url.port) } : {}),
  };
};
