// Middleware for request hygiene: a request id on every response, a body size limit
// answered with 413 problem+json, and JSON as the only body format (415 otherwise; routes
// that take other media types, such as CloudEvents binary mode, check their own),
// nested at most LIMITS.requestJsonDepth levels deep and well-formed (400 otherwise).
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { LIMITS } from "../platform/agent/limits.ts";
import { isJsonMediaType } from "../platform/events/cloud-event.ts";
import { problem, validationProblem } from "../platform/problem.ts";
import type { AppEnv } from "../env.ts";

export const requestId = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const id = crypto.randomUUID();
  c.set("requestId", id);
  // Set before the response exists, it is built into the response: set after, Hono
  // would copy the whole response to add it.
  c.header("x-request-id", id);
  await next();
  if (!c.res.headers.has("x-request-id")) c.header("x-request-id", id);
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

/** The deepest nesting of arrays and objects in JSON text (malformed text is measured as far as it goes). */
export const jsonNestingDepth = (text: string, stopAbove = Number.POSITIVE_INFINITY): number => {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++;
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) {
      inString = true;
    } else if (ch === 0x5b || ch === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > stopAbove) break;
    } else if (ch === 0x5d || ch === 0x7d) {
      depth--;
    }
  }
  return deepest;
};

/**
 * `anyMediaType(method, path)`: the route reads bodies of any media type itself (still
 * size-limited); those of a JSON media type in the CloudEvents sense (`text/json` too)
 * are parsed there, so their depth is checked here all the same.
 */
export const requireJsonBody = (anyMediaType: (method: string, path: string) => boolean = () => false): MiddlewareHandler<AppEnv> => async (c, next) => {
  const length = c.req.header("content-length");
  const hasBody = c.req.raw.body !== null && length !== "0";
  const contentType = c.req.header("content-type") ?? "";
  if (hasBody && !JSON_TYPE.test(contentType)) {
    if (!anyMediaType(c.req.method, c.req.path)) {
      throw problem(415, "unsupported-media-type", "Unsupported media type", "Send the request body as application/json.");
    }
    if (!isJsonMediaType(contentType)) return next();
  }
  // Reads the (size-limited) body once; the validators reuse Hono's cached text.
  const max = LIMITS.requestJsonDepth;
  // Nesting deeper than `max` takes at least 2 * max + 2 characters, so a body known to be
  // shorter cannot be too deep and is not read here.
  const short = length !== undefined && Number(length) < 2 * max + 2;
  if (hasBody && !short && jsonNestingDepth(await c.req.text(), max) > max) {
    throw validationProblem([{ path: "(body)", message: `nests deeper than ${max} levels` }], `The request body nests deeper than ${max} levels.`);
  }
  // Parsed here, where a syntax error is known for what it is, rather than recognised later
  // by the validator's message text; the validators take Hono's cached result. An empty
  // body declared as JSON is no JSON text either (RFC 8259). A route that reads its body
  // itself parses it (and names a syntax error) there: parsed here too, it would be
  // parsed, serialised and parsed again.
  const ownBody = anyMediaType(c.req.method, c.req.path);
  if (!ownBody && (hasBody || (length === "0" && JSON_TYPE.test(contentType)))) {
    try {
      await c.req.json();
    } catch {
      throw problem(400, "malformed-json", "Malformed JSON", "The request body is not valid JSON.", { errors: [{ path: "(body)", message: "not valid JSON" }] });
    }
  }
  await next();
};
