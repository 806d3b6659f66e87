// Middleware for request hygiene: a request id on every response, a body size limit
// answered with 413 problem+json, and JSON as the only body format (415 otherwise).
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { problem } from "../platform/problem.ts";
import type { AppEnv } from "../env.ts";

export const requestId = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const id = crypto.randomUUID();
  c.set("requestId", id);
  await next();
  c.header("x-request-id", id);
};

/** Limits request bodies; `maxBytesFor` picks the limit per request path. */
export const limitBody = (maxBytesFor: (path: string) => number): MiddlewareHandler<AppEnv> => {
  const limiters = new Map<number, MiddlewareHandler>();
  return (c, next) => {
    const maxBytes = maxBytesFor(c.req.path);
    let limiter = limiters.get(maxBytes);
    if (!limiter) {
      limiter = bodyLimit({
        maxSize: maxBytes,
        onError: () => {
          throw problem(413, "payload-too-large", "Payload too large", `The request body exceeds ${maxBytes} bytes.`);
        },
      });
      limiters.set(maxBytes, limiter);
    }
    return limiter(c, next);
  };
};

const JSON_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

export const requireJsonBody = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const length = c.req.header("content-length");
  const hasBody = c.req.raw.body !== null && length !== "0";
  if (hasBody && !JSON_TYPE.test(c.req.header("content-type") ?? "")) {
    throw problem(415, "unsupported-media-type", "Unsupported media type", "Send the request body as application/json.");
  }
  await next();
};
