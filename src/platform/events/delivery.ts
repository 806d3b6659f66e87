// The delivery state of one subscription on one stream, as plain data, and its
// transitions: which events the subscription wants, what happens after a success, a
// failure (exponential backoff with jitter, on alarms) and the last failure (the event
// goes to the dead-letter stream and delivery moves on). The stream object persists
// this state before acting on it.
import { backoffDelay } from "../resilience/retry.ts";
import type { CloudEvent } from "./cloud-event.ts";
import { matchesPattern } from "./pattern.ts";
import { streamCovers } from "./reserved-streams.ts";
import { passesFilter, type SubscriptionSpec } from "./subscription.ts";

export type DeliveryError = { at: number; message: string; sequence: number };

export type DeliveryState = {
  subscriptionId: string;
  /** The last sequence handled (delivered, skipped or dead-lettered). */
  cursor: number;
  attempts: number;
  /** When the next attempt may run (epoch ms). */
  dueAt: number;
  delivered: number;
  deadLetters: number;
  lastError: DeliveryError | null;
};

export const initialDelivery = (subscriptionId: string, cursor: number, now: number): DeliveryState => ({
  subscriptionId,
  cursor,
  attempts: 0,
  dueAt: now,
  delivered: 0,
  deadLetters: 0,
  lastError: null,
});

/** Where a subscription starts on a stream whose last sequence is `last`. */
export const startCursor = (start: SubscriptionSpec["start"], last: number): number =>
  start === "earliest" ? 0 : start === "latest" ? last : Math.max(0, start.sequence - 1);

export const wants = (spec: Pick<SubscriptionSpec, "patterns" | "filter" | "stream">, event: CloudEvent): boolean =>
  (spec.stream === undefined || streamCovers(spec.stream, event.stream)) &&
  spec.patterns.some((pattern) => matchesPattern(pattern, event.type)) &&
  passesFilter(spec.filter, event.data);

export const delivered = (state: DeliveryState, sequence: number, now: number): DeliveryState => ({
  ...state,
  cursor: sequence,
  attempts: 0,
  dueAt: now,
  delivered: state.delivered + 1,
});

/** Events the subscription does not want are passed over without an attempt. */
export const skipped = (state: DeliveryState, sequence: number): DeliveryState => ({ ...state, cursor: sequence });

export type FailureOutcome = { state: DeliveryState; deadLetter: boolean };

export const failed = (
  state: DeliveryState,
  sequence: number,
  message: string,
  policy: SubscriptionSpec["delivery"],
  now: number,
  random: () => number,
): FailureOutcome => {
  const attempts = state.attempts + 1;
  const lastError = { at: now, message: message.slice(0, 500), sequence };
  if (attempts >= policy.maxAttempts) {
    return {
      state: { ...state, cursor: sequence, attempts: 0, dueAt: now, deadLetters: state.deadLetters + 1, lastError },
      deadLetter: true,
    };
  }
  const delay = backoffDelay(
    { strategy: "exponential", maxAttempts: policy.maxAttempts, baseDelayMs: policy.baseDelayMs, maxDelayMs: policy.maxDelayMs, jitter: "equal" },
    attempts,
    random,
  );
  return { state: { ...state, attempts, dueAt: now + delay, lastError }, deadLetter: false };
};
