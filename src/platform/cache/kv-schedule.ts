// When the origin pushes a key's newest copy to Workers KV (the L3 tier). KV takes about
// one write per second per key, so pushes are coalesced: a write marks the key due at
// once if its last push is a second old, else a second after that push; further writes
// before then change nothing but the value that will be pushed, so a burst of any size
// costs one KV write per second and its last value always lands. A failed push is
// retried with backoff, so a key never falls behind for good. Reads that reach the
// origin refresh an aging KV copy, so `eventual` readers keep finding a young one.
import { EVENTUAL_MAX_STALENESS_MS } from "./consistency.ts";
import { type CacheEntry, secondsLeft } from "./entry.ts";

export const KV_MIN_INTERVAL_MS = 1_000;
/** A KV copy older than this is pushed again when a read reaches the origin (half the eventual bound). */
export const KV_REFRESH_MS = EVENTUAL_MAX_STALENESS_MS / 2;
/** KV refuses an expirationTtl under 60 s; shorter entries are kept longer there and expire by their `expiresAt`. */
export const KV_MIN_TTL_SECONDS = 60;
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/** When a key's push is due after a write: kept if one is already due, else as soon as the per-key interval allows. */
export const pushDueAfterWrite = (due: number | null, lastPushAt: number, now: number): number =>
  due ?? Math.max(now, lastPushAt + KV_MIN_INTERVAL_MS);

/** After a push that started at `startedAt` for `pushedVersion`: null when nothing newer was written meanwhile. */
export const pushDueAfterPush = (currentVersion: number, pushedVersion: number, startedAt: number): number | null =>
  currentVersion === pushedVersion ? null : startedAt + KV_MIN_INTERVAL_MS;

/** When to try again after `failures` failed pushes in a row (1 s, 2 s, 4 s ... at most 30 s). */
export const pushRetryAt = (failures: number, now: number): number =>
  now + Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, failures - 1));

/** Whether a read at the origin should refresh the key's KV copy. */
export const needsRefresh = (lastPushAt: number, due: number | null, now: number): boolean => due === null && now - lastPushAt >= KV_REFRESH_MS;

/** KV's expirationTtl for a copy of this entry. */
export const kvExpirationTtl = (entry: Pick<CacheEntry, "expiresAt">, now: number): number => Math.max(KV_MIN_TTL_SECONDS, secondsLeft(entry, now));
