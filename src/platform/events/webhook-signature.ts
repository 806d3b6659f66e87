// Webhook signatures in the Standard Webhooks format (standardwebhooks.com), so
// receivers can use its libraries: HMAC-SHA256 over `${id}.${timestamp}.${body}` with
// the subscription's secret (`whsec_` + base64), sent as
// `webhook-signature: v1,<base64>` beside `webhook-id` and `webhook-timestamp`.
// Verification compares in constant time and refuses stale timestamps.
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

export const webhookHeaders = async (secret: string, id: string, nowMs: number, body: string): Promise<Record<string, string>> => {
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
