// What a stream shows of itself: a page of its events, its info (length, bounds, subscriptions, retention in
// force) and one subscription's delivery status on it (cursor, lag, failures, gaps that
// retention left). Read-only; the object answers these from its RPC surface.
import type { CloudEvent } from "../../src/platform/events/cloud-event.ts";
import type { SubscriptionStreamStatus } from "../../src/platform/events/subscription.ts";
import type { StreamInfo, StreamPage } from "./stream-contract.ts";
import type { Retention, StreamStore } from "./stream-store.ts";

/** Events `from` on (up to `to`), at most `limit`; `next`: where the next page starts, null at the end. */
export const streamPage = (store: StreamStore, from: number, limit: number, to?: number): StreamPage => {
  const rows = store.read(from, limit + 1, to);
  const items = rows.slice(0, limit).map((row) => JSON.parse(row.body) as CloudEvent);
  return { items, next: rows.length > limit ? (rows[limit]?.seq ?? null) : null };
};

export const streamInfo = (store: StreamStore, stream: string, retention: Retention): StreamInfo => ({
  stream,
  length: store.count(),
  first: store.firstSeq(),
  last: store.lastSeq(),
  subscriptions: store.subscriptions().map((sub) => sub.id),
  retention,
});

/** A subscription's status on this stream; null when it does not apply here. */
export const subscriptionStatusOf = (store: StreamStore, stream: string, id: string): SubscriptionStreamStatus | null => {
  if (!store.subscriptions().some((sub) => sub.id === id)) return null;
  const state = store.delivery(id);
  const last = store.lastSeq();
  const cursor = state?.cursor ?? last;
  return {
    stream,
    cursor,
    last,
    lag: Math.max(0, last - cursor),
    delivered: state?.delivered ?? 0,
    deadLetters: state?.deadLetters ?? 0,
    attempts: state?.attempts ?? 0,
    nextAttemptAt: state && state.attempts > 0 ? new Date(state.dueAt).toISOString() : null,
    lastError: state?.lastError ? { ...state.lastError, at: new Date(state.lastError.at).toISOString() } : null,
    skipped: store.gaps(id).map((gap) => ({ ...gap, at: new Date(gap.at).toISOString() })),
  };
};
