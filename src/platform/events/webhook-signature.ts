// Webhook signatures in the Standard Webhooks format (standardwebhooks.com), so
// receivers can use its libraries: HMAC-SHA256 over `${id}.${timestamp}.${body}` with
// the subscription's secret (`whsec_` + base64), sent as
// `webhook-signature: v1,<base64>` beside `webhook-id` and `webhook-timestamp`.
// Verification compares in constant time and refuses stale timestamps.
import { sha256Hex } from "../canonical-json.ts";
import { timingSafeEqual } from "../security/timing-safe.ts";

const SECRET_PREFIX = "whsec_";

const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string): Uint8Array => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));

export const newWebhookSecret = (): string => SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(32)));

const keyOf = (secret: string): Promise<CryptoKey> =>
  crypto.subtle.importKey("raw", fromBase64(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);

export const signWebhook = async (secret: string, id: string, timestampSeconds: number, body: string): Promise<string> => {
  const mac = await crypto.subtle.sign("HMAC", await keyOf(secret), new TextEncoder().encode(`${id}.${timestampSeconds}.${body}`));
  return `v1,${toBase64(new Uint8Array(mac))}`;
};

// The id alphabet of ids.ts, restated so that this module loads no zod (a workers test
// importing it before the app would otherwise build the id schema before
// @hono/zod-openapi extends zod). The unit test checks that the two agree.
const ID_ALPHABET = /^(?!\.\.?$)[A-Za-z0-9._:-]{1,128}$/;

/**
 * The `webhook-id` of an event: its own id when that is of the id alphabet (as every id
 * published today is), else one derived from it. An id stored before the alphabet was
 * enforced may hold a character no header can carry (a line break, a non-Latin-1
 * letter); fetch would refuse it on every attempt and the event would hold up the
 * stream's delivery until dead-lettered. The derived id is stable (a redelivery keeps
 * it, so receivers still deduplicate) and contains `~`, which no event id can, so it
 * never equals another event's own id.
 */
export const webhookMessageId = async (eventId: string): Promise<string> =>
  ID_ALPHABET.test(eventId) ? eventId : `sha256~${(await sha256Hex(eventId)).slice(0, 48)}`;

/** The Standard Webhooks headers of one delivery of the event `eventId`, signed over the header's id. */
export const webhookHeaders = async (secret: string, eventId: string, nowMs: number, body: string): Promise<Record<string, string>> => {
  const id = await webhookMessageId(eventId);
  const timestamp = Math.floor(nowMs / 1000);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": await signWebhook(secret, id, timestamp, body),
  };
};

/** Verifies a delivery as a receiver would: a matching v1 signature, timestamp within `toleranceSeconds`. */
export const verifyWebhook = async (
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  nowMs: number,
  toleranceSeconds = 300,
): Promise<boolean> => {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(nowMs / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = await signWebhook(secret, headers.id, timestamp, body);
  return headers.signature.split(" ").some((candidate) => timingSafeEqual(candidate, expected));
};
