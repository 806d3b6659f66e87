// A cache entry as every tier holds it: the value (JSON text, sized in UTF-8 bytes),
// the version and time the origin committed it, when it expires, and `asOf`: the
// latest time the origin is known to have held this version as the newest. `asOf` is
// what staleness is judged by (consistency.ts): a copy is at most `now - asOf` behind
// the origin, whichever tier it came through, because warming a tier keeps the copy's
// `asOf` rather than stamping the time it was copied.
import { z } from "zod";
import { problem } from "../problem.ts";

/** Values up to 128 KiB of JSON text (KV would take 25 MiB; a cache of small hot values needs less). */
export const MAX_VALUE_BYTES = 128 * 1024;
/** Without `ttl`, an entry lives a day; at most 30 days. Seconds, as HTTP and KV count them. */
export const DEFAULT_TTL_SECONDS = 86_400;
export const MAX_TTL_SECONDS = 30 * 86_400;

export const ttlSchema = z.coerce
  .number()
  .int("must be a whole number of seconds")
  .min(1, "must be at least 1 second")
  .max(MAX_TTL_SECONDS, `must be at most ${MAX_TTL_SECONDS} seconds (30 days)`);

export type CacheEntry = {
  /** The value as JSON text. */
  value: string;
  version: number;
  writtenAt: number;
  expiresAt: number;
};

export type CacheCopy = CacheEntry & { asOf: number };

export const cacheCopySchema = z.strictObject({
  value: z.string(),
  version: z.number().int().min(1),
  writtenAt: z.number().int().min(0),
  expiresAt: z.number().int().min(0),
  asOf: z.number().int().min(0),
});

const encoder = new TextEncoder();

/** UTF-8 bytes of a JSON text (what the limit counts, and what the L1 tier's budget counts). */
export const utf8Bytes = (text: string): number => {
  // Cheap bound first: a UTF-16 code unit is at most 3 UTF-8 bytes.
  if (text.length * 3 <= MAX_VALUE_BYTES) {
    let ascii = true;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) { ascii = false; break; }
    if (ascii) return text.length;
  }
  return encoder.encode(text).byteLength;
};

/** The 413 a value past the limit gets. */
export const assertValueFits = (valueJson: string): void => {
  const bytes = utf8Bytes(valueJson);
  if (bytes > MAX_VALUE_BYTES) {
    throw problem(413, "value-too-large", "Value too large", `The value is ${bytes} bytes of JSON; a cache value may have at most ${MAX_VALUE_BYTES} (128 KiB).`);
  }
};

/**
 * The version a write gets: above every version the key had, and at least the write's
 * time in ms, so versions keep rising even after a tombstone was purged and forgotten.
 */
export const nextVersion = (previous: number | null, now: number): number => Math.max((previous ?? 0) + 1, now);

export const isExpired = (entry: Pick<CacheEntry, "expiresAt">, now: number): boolean => entry.expiresAt <= now;

/** Seconds an entry has left, rounded up (for Cache-Control and KV's expirationTtl). */
export const secondsLeft = (entry: Pick<CacheEntry, "expiresAt">, now: number): number => Math.max(0, Math.ceil((entry.expiresAt - now) / 1000));
