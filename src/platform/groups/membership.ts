// Why: a group controller changes its members on decisions that depend only on what it
// has stored and polled: which members a growth takes back, starts again or spawns, when
// a draining member may be stopped, and how soon the group evaluates again. Pure here,
// so they are tested without workerd; the controller does the storage and the calls.
import { DRAIN_GRACE_MS, EVALUATION_MS, IDLE_AFTER_MS, IDLE_EVALUATION_MS } from "./limits.ts";
import { memberId } from "./naming.ts";
import type { MemberLoad } from "./routing.ts";
import type { MemberState } from "./schemas.ts";

/** A member as the controller stores it (one row of its `members` table). */
export type MemberRow = { id: string; seq: number; state: MemberState; joined_at: number; draining_since: number | null };

/** A member's last polled load and status (`healthy`: running, and its load read in time). */
export type PolledMember = { load: MemberLoad | null; status: string | null; healthy: boolean };

/** A member to bring up: a retired one started again, or a new one spawned (`fresh`). */
export type GrowthStep = { row: MemberRow; fresh: boolean };

/**
 * Growing from `active` to `desired` members: draining members are taken back first
 * (`reactivate`), then retired ones are started again, then new ones are spawned with
 * sequence numbers from `nextSeq` on (`nextSeq`: the first one still unused after).
 */
export const growthPlan = (rows: readonly MemberRow[], active: number, desired: number, group: string, nextSeq: number, now: number): { reactivate: MemberRow[]; steps: GrowthStep[]; nextSeq: number } => {
  let need = Math.max(0, desired - active);
  const reactivate = rows.filter((r) => r.state === "draining").slice(0, need);
  need -= reactivate.length;
  const retired = rows.filter((r) => r.state === "retired");
  const steps: GrowthStep[] = [];
  let seq = nextSeq;
  for (let i = 0; i < need; i++) {
    const again = retired.shift();
    steps.push(again ? { row: again, fresh: false } : { row: { id: memberId(group, seq), seq: seq++, state: "active", joined_at: now, draining_since: null }, fresh: true });
  }
  return { reactivate, steps, nextSeq: seq };
};

/** A draining member that got no call for DRAIN_GRACE_MS and has none running (as last polled) may be stopped. */
export const drainedReady = (member: MemberRow, load: MemberLoad | null | undefined, lastRoutedAt: number | undefined, now: number): boolean => {
  const idle = load !== null && load !== undefined && load.inFlight + load.queueLength === 0;
  const quiet = now - Math.max(member.draining_since ?? 0, lastRoutedAt ?? 0) >= DRAIN_GRACE_MS;
  return idle && quiet;
};

/** How soon the group evaluates again: often while it routes calls, drains or is off its minimum; else at the idle pace. */
export const evaluationDelay = (rows: readonly MemberRow[], min: number, lastRouteAt: number, now: number): number => {
  const busy =
    now - lastRouteAt < IDLE_AFTER_MS ||
    rows.some((m) => m.state === "draining") ||
    rows.filter((m) => m.state === "active").length !== min;
  return busy ? EVALUATION_MS : IDLE_EVALUATION_MS;
};
