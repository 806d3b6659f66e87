// The key of one client request, kept across the platform's own retries of it: the
// client's Idempotency-Key when it sent one, else a platform key made once per HTTP
// request (before callDurable's retry loop). An object that makes an id for what the
// request creates (a subscription, a grant) derives it from this key, so a retried
// create finds what the first attempt made instead of making a second one.
import { sha256Hex } from "./canonical-json.ts";
import { idempotencyKeySchema } from "./ids.ts";

/** What objects accept: a client's Idempotency-Key or a platform key, both in the id alphabet. */
export const requestKeySchema = idempotencyKeySchema;

export const requestKeyOf = (clientKey: string | undefined): string => clientKey ?? `platform:${crypto.randomUUID()}`;

/** `<prefix>_<32 hex>`: the same key gives the same id; distinct keys, distinct ids. */
export const idFromRequestKey = async (prefix: string, key: string): Promise<string> => `${prefix}_${(await sha256Hex(key)).slice(0, 32)}`;
