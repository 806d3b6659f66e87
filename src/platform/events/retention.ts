// A stream's retention: events older than `maxAgeMs`, or beyond the last `maxCount`, are
// deleted by the stream's alarm; sequence numbers are never reused. A tenant's own
// stream has the retention it was given (none by default); the platform's streams
// (`audit`, `workflow` and `workflow.*`, `dlq.*`) have the deployment's (src/platform/storage-bounds.ts),
// which nothing else sets, so they never grow without bound.
//
// Retention does not delete what an active subscription has yet to handle (as
// EventStoreDB and Pulsar hold a log behind its cursors), but only up to a
// deployment-wide cap on the backlog it keeps for them (JIDO_SUBSCRIPTION_MAX_BACKLOG events, or
// JIDO_SUBSCRIPTION_MAX_BACKLOG_AGE_MS): past it the events go, and each subscription
// they are taken from is told (a gap in its status and a `subscription.gap` event),
// never skipped in silence. A paused subscription holds nothing.
import { z } from "zod";
import type { StorageBounds } from "../storage-bounds.ts";
import { AUDIT_STREAM } from "../security/audit.ts";
import { isWorkflowStream } from "./reserved-streams.ts";
import { CONFIG_STREAM } from "../config/changed-event.ts";

export const retentionSchema = z.strictObject({
  maxAgeMs: z.number().int().min(1_000).nullable().default(null),
  maxCount: z.number().int().min(1).nullable().default(null),
});

export type Retention = z.output<typeof retentionSchema>;
export type RetentionInput = z.input<typeof retentionSchema>;

/** How often retention runs at most while a stream has a policy. */
export const RETENTION_EVERY_MS = 60_000;

/** The retention of a platform stream from the deployment's bounds; null for a tenant's own stream. */
export const platformRetention = (stream: string, bounds: StorageBounds): Retention | null => {
  const maxAgeMs =
    // Configuration changes are an audit trail too: kept as long as the audit stream.
    stream === AUDIT_STREAM || stream === CONFIG_STREAM ? bounds.auditRetentionMs
    : isWorkflowStream(stream) ? bounds.workflowRetentionMs
    : stream.startsWith("dlq.") ? bounds.dlqRetentionMs
    : null;
  return maxAgeMs === null ? null : { maxAgeMs, maxCount: null };
};

/**
 * When retention should next run, or null when it has nothing to do. A count limit is
 * checked every RETENTION_EVERY_MS (appends grow the count); an age limit only when the
 * oldest event (`oldestTime`, null when the stream is empty) expires, and not more often
 * than that, so an idle stream is not woken for nothing.
 */
export const nextRetentionAt = (retention: Retention, oldestTime: number | null, now: number): number | null => {
  const soonest = now + RETENTION_EVERY_MS;
  if (oldestTime === null) return null;
  if (retention.maxCount !== null) return soonest;
  if (retention.maxAgeMs === null) return null;
  return Math.max(soonest, oldestTime + retention.maxAgeMs);
};

/** How much retention keeps for subscriptions that lag: events behind the newest, and their age. */
export type BacklogCap = { maxEvents: number; maxAgeMs: number };

export const DEFAULT_BACKLOG_CAP: BacklogCap = { maxEvents: 100_000, maxAgeMs: 7 * 24 * 3_600_000 };

export type BacklogCapVars = { JIDO_SUBSCRIPTION_MAX_BACKLOG?: string | undefined; JIDO_SUBSCRIPTION_MAX_BACKLOG_AGE_MS?: string | undefined };

const positive = z.coerce.number().int().min(1);

/**
 * The cap a deployment's variables set; an empty or missing variable takes the default.
 * A malformed one also takes the default (holding, not deleting) and is named in
 * `invalid`, for the caller to log.
 */
export const backlogCapFrom = (vars: BacklogCapVars): { cap: BacklogCap; invalid: string[] } => {
  const invalid: string[] = [];
  const read = (name: keyof BacklogCapVars, fallback: number): number => {
    const raw = vars[name]?.trim();
    if (!raw) return fallback;
    const parsed = positive.safeParse(raw);
    if (parsed.success) return parsed.data;
    invalid.push(name);
    return fallback;
  };
  return {
    cap: { maxEvents: read("JIDO_SUBSCRIPTION_MAX_BACKLOG", DEFAULT_BACKLOG_CAP.maxEvents), maxAgeMs: read("JIDO_SUBSCRIPTION_MAX_BACKLOG_AGE_MS", DEFAULT_BACKLOG_CAP.maxAgeMs) },
    invalid,
  };
};

export type CutoffInput = {
  /** The highest sequence the stream's policy would delete (0: none). */
  policy: number;
  /** The highest sequence past the backlog cap, by count or age (0: none): never held. */
  cap: number;
  /** The cursors (last sequence handled) of the stream's active subscriptions. */
  activeCursors: readonly number[];
};

/** The highest sequence retention deletes now: the policy's, held behind the slowest active cursor as far as the cap allows. */
export const retentionCutoff = ({ policy, cap, activeCursors }: CutoffInput): number => {
  if (activeCursors.length === 0) return policy;
  return Math.min(policy, Math.max(Math.min(...activeCursors), cap));
};

export type Gap = { subscriptionId: string; from: number; to: number };

/**
 * The ranges that deleting through `cutoff` takes from subscriptions that have not
 * handled them; `first` is the oldest sequence still stored (null: none).
 */
export const gapsAt = (cutoff: number, first: number | null, cursors: readonly { subscriptionId: string; cursor: number }[]): Gap[] =>
  first === null || first > cutoff
    ? []
    : cursors
        .filter(({ cursor }) => cursor < cutoff)
        .map(({ subscriptionId, cursor }) => ({ subscriptionId, from: Math.max(cursor + 1, first), to: cutoff }))
        .filter((gap) => gap.from <= gap.to);

/** The gaps a subscription's status shows, newest last. */
export const MAX_GAPS_SHOWN = 10;
