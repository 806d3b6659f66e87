// A schedule of an agent's action: when it fires (`at`, `delayMs` or a `cron` pattern in
// an IANA time zone), what it runs (action and input), and what happens to firings the
// runtime missed while it was down. Parsed at every boundary (HTTP, RPC, ctx.schedule),
// so a bad pattern or zone is refused naming the field before anything is stored.
import { z } from "zod";
import { idSchema } from "../ids.ts";
import { cronError, isTimeZone, nextCronAfter } from "./next-fire.ts";

/** Documented limits (README "Schedules"). */
export const SCHEDULE_LIMITS = {
  /** Schedules an agent may hold that can still fire. */
  perAgent: 1_000,
  /** The furthest ahead a one-shot may be set (`at` or `delayMs`): one year. */
  maxAheadMs: 366 * 24 * 60 * 60 * 1000,
  /** A firing reached later than this after its due time counts as missed (the `missed` policy applies). */
  missedAfterMs: 60_000,
  /** Longest cron pattern accepted. */
  cronChars: 128,
} as const;

export const ACTION_NAME = /^[a-z][a-z0-9_]{0,63}$/;

export const missedPolicySchema = z.enum(["skip", "once"]);
export type MissedPolicy = z.output<typeof missedPolicySchema>;

export const scheduleRequestSchema = z
  .strictObject({
    id: idSchema.optional(),
    at: z.iso.datetime({ offset: true }).optional(),
    delayMs: z.number().int().min(0).max(SCHEDULE_LIMITS.maxAheadMs).optional(),
    cron: z.string().min(1).max(SCHEDULE_LIMITS.cronChars).optional(),
    timezone: z.string().min(1).max(64).refine(isTimeZone, "must be an IANA time zone such as 'Europe/Berlin'").optional(),
    action: z.string().regex(ACTION_NAME, "must be an action name: 1-64 characters of a-z 0-9 _ starting with a letter"),
    input: z.unknown().optional(),
    /** What a firing missed by more than `missedAfterMs` does: `once` runs it late (one catch-up firing), `skip` drops it. */
    missed: missedPolicySchema.default("once"),
  })
  .superRefine((request, ctx) => {
    const given = (["at", "delayMs", "cron"] as const).filter((key) => request[key] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({ code: "custom", path: [given[1] ?? "at"], message: "give exactly one of at, delayMs or cron" });
      return;
    }
    if (request.timezone !== undefined && request.cron === undefined) {
      ctx.addIssue({ code: "custom", path: ["timezone"], message: "applies to cron schedules only (at carries its own offset)" });
    }
    if (request.cron !== undefined) {
      const error = cronError(request.cron, request.timezone);
      if (error) ctx.addIssue({ code: "custom", path: ["cron"], message: error });
    }
  });
export type ScheduleRequest = z.input<typeof scheduleRequestSchema>;
export type ParsedScheduleRequest = z.output<typeof scheduleRequestSchema>;

/** A schedule as the agent object stores it. Times are epoch milliseconds. */
export type Schedule = {
  id: string;
  action: string;
  /** JSON text of the action's input. */
  input: string;
  cron: string | null;
  timezone: string | null;
  missed: MissedPolicy;
  /** The next due time; null once a one-shot has fired (or was skipped). */
  nextAt: number | null;
  createdAt: number;
  firings: number;
  skipped: number;
  last: LastFiring | null;
};

export type LastFiring = { dueAt: number; ranAt: number; ok: boolean; error: { type: string; status: number; detail: string } | null };

/** The first due time of a new schedule, or an error naming the field (a pattern that never fires, a past `at`). */
export const firstDue = (request: ParsedScheduleRequest, now: number): { at: number } | { path: string; message: string } => {
  if (request.delayMs !== undefined) return { at: now + request.delayMs };
  if (request.at !== undefined) {
    const at = Date.parse(request.at);
    if (at > now + SCHEDULE_LIMITS.maxAheadMs) return { path: "at", message: "may be at most one year ahead" };
    return { at };
  }
  const next = nextCronAfter(request.cron ?? "", request.timezone ?? null, now);
  return next === null ? { path: "cron", message: "never fires" } : { at: next };
};

/** The idempotency key of one firing: the same schedule and due time give the same key, so a retried firing runs once. */
export const firingKey = (scheduleId: string, dueAt: number): string => `sched:${scheduleId}:${dueAt}`;

const iso = (ms: number): string => new Date(ms).toISOString();

export type ScheduleView = {
  id: string;
  action: string;
  input: unknown;
  cron: string | null;
  timezone: string | null;
  missed: MissedPolicy;
  active: boolean;
  nextAt: string | null;
  createdAt: string;
  firings: number;
  skipped: number;
  last: { dueAt: string; ranAt: string; ok: boolean; error: LastFiring["error"] } | null;
};

export const scheduleView = (s: Schedule): ScheduleView => ({
  id: s.id,
  action: s.action,
  input: JSON.parse(s.input) as unknown,
  cron: s.cron,
  timezone: s.timezone,
  missed: s.missed,
  active: s.nextAt !== null,
  nextAt: s.nextAt === null ? null : iso(s.nextAt),
  createdAt: iso(s.createdAt),
  firings: s.firings,
  skipped: s.skipped,
  last: s.last && { dueAt: iso(s.last.dueAt), ranAt: iso(s.last.ranAt), ok: s.last.ok, error: s.last.error },
});
