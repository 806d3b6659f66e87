// Cron patterns and time zones through croner: parsing (5 fields, or 6 with seconds, so
// no pattern fires more often than once a second), IANA zone checks, and the next due
// time after an instant in a named zone, DST included (a time skipped by spring-forward
// runs at the first valid time after the gap; a time repeated at fall-back runs once).
import { Cron } from "croner";

const MODE = "5-or-6-parts" as const;

/** Whether `zone` is an IANA time zone this runtime knows. */
export const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const pattern = (cron: string, timezone: string | null): Cron =>
  new Cron(cron, { paused: true, mode: MODE, ...(timezone ? { timezone } : {}) });

/** Why `cron` is not a valid pattern, or null when it is. */
export const cronError = (cron: string, timezone?: string): string | null => {
  if (timezone !== undefined && !isTimeZone(timezone)) return null; // timezone's own issue names it
  try {
    pattern(cron, timezone ?? null);
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/^CronPattern: /, "") : String(error);
    return `not a valid cron pattern (5 fields, or 6 with seconds first): ${message}`;
  }
};

/** The first firing of `cron` strictly after `after` (epoch ms), in `timezone` (UTC when null); null if it never fires. */
export const nextCronAfter = (cron: string, timezone: string | null, after: number): number | null => {
  const next = pattern(cron, timezone).nextRun(new Date(after));
  return next ? next.getTime() : null;
};
