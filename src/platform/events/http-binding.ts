// The CloudEvents HTTP protocol binding (v1.0.2), the receiving side: which content mode
// a request uses, and in binary mode how `ce-*` headers map to attributes and the body
// (with its own content-type) to the event's data. The SDKs send binary mode by default.
// The result is still to be validated like any other event (see publish-request.ts).
import type { FieldError } from "../problem.ts";
import { isJsonMediaType, mediaEssence } from "./cloud-event.ts";

export type ContentMode = "binary" | "structured" | "batch" | "json";

export const STRUCTURED_TYPE = "application/cloudevents+json";
export const BATCH_TYPE = "application/cloudevents-batch+json";

const PREFIX = "ce-";

/**
 * The attributes a binary-mode request carries as `ce-<name>` headers. `datacontenttype`
 * travels as content-type and the data as the body; the platform sets `tenant` and
 * `sequence` itself.
 */
export const HEADER_ATTRIBUTES = [
  "specversion",
  "id",
  "source",
  "type",
  "subject",
  "time",
  "dataschema",
  "stream",
  "correlationid",
  "causationid",
  "traceparent",
  "tracestate",
] as const;

const REQUIRED_HEADERS = ["specversion", "source", "type"] as const;

/** Where an attribute is in a binary-mode request, to name it in errors. */
export const headerOf = (attribute: string): string =>
  attribute === "datacontenttype" ? "content-type" : attribute === "data" || attribute === "data_base64" ? "(body)" : `${PREFIX}${attribute}`;

const hasCeHeader = (headers: Headers): boolean => {
  for (const name of headers.keys()) if (name.startsWith(PREFIX)) return true;
  return false;
};

/**
 * A request's content mode: a CloudEvents media type names structured or batched mode,
 * any other request with `ce-` headers is binary mode, and the rest is the platform's
 * plain JSON (one event or an array). Null: none of these (an unsupported media type, or
 * a body without one).
 */
export const contentModeOf = (headers: Headers, hasBody: boolean): ContentMode | null => {
  const contentType = headers.get("content-type");
  const essence = contentType === null ? "" : mediaEssence(contentType);
  if (essence === STRUCTURED_TYPE) return "structured";
  if (essence === BATCH_TYPE) return "batch";
  if (hasCeHeader(headers)) return "binary";
  if (contentType === null ? !hasBody : isJsonMediaType(contentType)) return "json";
  return null;
};

/** Media types whose content is kept as a string `data` (when it is UTF-8). */
const isTextMediaType = (mediaType: string): boolean => {
  const essence = mediaEssence(mediaType);
  return essence.startsWith("text/") || /^[^/]+\/(?:[^/]*\+)?xml$/.test(essence);
};

const charsetOf = (mediaType: string): string | undefined =>
  /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(mediaType)?.[1]?.toLowerCase();

/**
 * A string `data` is stored as its JSON string: escaping (quotes, control characters)
 * may make that much longer than the body, and a stored event must stay within a
 * storage row. Text whose JSON form exceeds this is kept as `data_base64` instead.
 */
export const MAX_TEXT_DATA_CHARS = 1024 * 1024;

export const toBase64 = (bytes: Uint8Array): string => {
  let binary = "";
  for (let at = 0; at < bytes.length; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return btoa(binary);
};

const utf8 = (bytes: Uint8Array): string | null => {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
};

type DataMembers = { data?: unknown; data_base64?: string };

/**
 * The body of a binary-mode request as the JSON format holds it: JSON content parsed
 * into `data`, UTF-8 text as a string `data`, anything else base64 in `data_base64`.
 * An empty body is an event without data.
 */
export const dataFromBody = (mediaType: string, body: Uint8Array): { ok: true; members: DataMembers } | { ok: false; error: FieldError } => {
  if (body.length === 0) return { ok: true, members: {} };
  if (isJsonMediaType(mediaType)) {
    const text = utf8(body);
    if (text === null) return { ok: false, error: { path: "(body)", message: "is not UTF-8, as JSON must be" } };
    try {
      return { ok: true, members: { data: JSON.parse(text) as unknown } };
    } catch (error) {
      return { ok: false, error: { path: "(body)", message: `is not valid JSON (content-type '${mediaType}'): ${error instanceof Error ? error.message : "parse error"}` } };
    }
  }
  const charset = charsetOf(mediaType);
  if (isTextMediaType(mediaType) && (charset === undefined || charset === "utf-8" || charset === "us-ascii")) {
    const text = utf8(body);
    if (text !== null && JSON.stringify(text).length <= MAX_TEXT_DATA_CHARS) return { ok: true, members: { data: text } };
  }
  return { ok: true, members: { data_base64: toBase64(body) } };
};

/** A header value with its percent-encoding undone (binding §3.1.3.2). */
const decodeValue = (value: string): string | null => {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
};

const ACCEPTED = new Set<string>(HEADER_ATTRIBUTES);

/**
 * The event a binary-mode request carries, not yet validated: attributes from `ce-*`
 * headers, `datacontenttype` from content-type (`application/octet-stream` for a body
 * without one), data from the body. Errors name the header.
 */
export const eventFromBinary = (headers: Headers, body: Uint8Array): { ok: true; event: Record<string, unknown> } | { ok: false; errors: FieldError[] } => {
  const errors: FieldError[] = [];
  const event: Record<string, unknown> = {};
  for (const [name, value] of headers) {
    if (!name.startsWith(PREFIX)) continue;
    const attribute = name.slice(PREFIX.length);
    if (!ACCEPTED.has(attribute)) {
      errors.push({
        path: name,
        message:
          attribute === "datacontenttype"
            ? "send the data's media type as content-type"
            : `is not an attribute the platform accepts (extensions: stream, correlationid, causationid, traceparent, tracestate)`,
      });
      continue;
    }
    const decoded = decodeValue(value);
    if (decoded === null) errors.push({ path: name, message: "is not valid percent-encoding (send '%' as %25)" });
    else event[attribute] = decoded;
  }
  for (const attribute of REQUIRED_HEADERS) {
    if (!(attribute in event) && !errors.some((error) => error.path === headerOf(attribute))) errors.push({ path: headerOf(attribute), message: "required in binary mode" });
  }
  const contentType = headers.get("content-type");
  if (contentType !== null) event.datacontenttype = contentType.trim();
  else if (body.length > 0) event.datacontenttype = "application/octet-stream";
  const data = dataFromBody(contentType ?? "application/octet-stream", body);
  if (!data.ok) errors.push(data.error);
  else Object.assign(event, data.members);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, event };
};
