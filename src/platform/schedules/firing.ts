// What the alarm does with one due schedule: fire it (with the due time its idempotency
// key derives from), or skip it as missed, and when it is due next. A firing is missed
// when it is reached more than `missedAfterMs` late (the runtime was down or the agent
// was not running); `once` still runs it (one catch-up firing however many slots
// passed), `skip` drops it. A cron schedule then moves to its first slot after now.
import { SCHEDULE_LIMITS, type Schedule } from "./schedule.ts";
import { nextCronAfter } from "./next-fire.ts";

export type FiringPlan = {
  /** Run the action now, under the key of `dueAt`. */
  fire: boolean;
  dueAt: number;
  missed: boolean;
  /** The schedule's next due time after this firing; null: a one-shot is done. */
  nextAt: number | null;
};

export const planFiring = (schedule: Pick<Schedule, "cron" | "timezone" | "missed" | "nextAt">, now: number): FiringPlan | null => {
  const dueAt = schedule.nextAt;
  if (dueAt === null || dueAt > now) return null;
  const missed = now - dueAt > SCHEDULE_LIMITS.missedAfterMs;
  const nextAt = schedule.cron === null ? null : nextCronAfter(schedule.cron, schedule.timezone, Math.max(now, dueAt));
  return { fire: !missed || schedule.missed === "once", dueAt, missed, nextAt };
};
