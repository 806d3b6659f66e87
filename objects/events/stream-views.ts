// What a stream shows of itself: its info (length, bounds, subscriptions, retention in
// force) and one subscription's delivery status on it (cursor, lag, failures, gaps that
// retention left). Read-only; the object answers these from its RPC surface.
import type { SubscriptionStreamStatus } from "../../src/platform/events/subscription.ts";
import type { StreamInfo } from "./stream-contract.ts";
import type { Retention, StreamStore } from "./stream-store.ts";

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
