// A stream's retention: events older than `maxAgeMs`, or beyond the last `maxCount`, are
// deleted by the stream's alarm; sequence numbers are never reused. A tenant's own
// stream has the retention it was given (none by default); the platform's streams
// (`audit`, `workflow`, `dlq.*`) have the deployment's (src/platform/storage-bounds.ts),
// which nothing else sets, so they never grow without bound.
import { z } from "zod";
import type { StorageBounds } from "../storage-bounds.ts";
import { AUDIT_STREAM } from "../security/audit.ts";
import { WORKFLOW_STREAM } from "./reserved-streams.ts";

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
    stream === AUDIT_STREAM ? bounds.auditRetentionMs
    : stream === WORKFLOW_STREAM ? bounds.workflowRetentionMs
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
