// Resizing a group: moves the number of its active members to the number decided
// (src/platform/groups/membership.ts plans which members), spawning, starting and
// draining them, and records the change (or the refusal that stopped it) in the history.
import { growthPlan, type MemberRow, type PolledMember } from "../../src/platform/groups/membership.ts";
import { type MemberInfo, pickRetiree } from "../../src/platform/groups/routing.ts";
import { ProblemError } from "../../src/platform/problem.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import type { GroupRecord, GroupStore } from "./group-store.ts";
import type { MemberOps } from "./members.ts";

/** What a resize needs of its controller: storage, the members' calls, their polled loads (a new member counts as idle and healthy). */
export type ResizeHost = { store: GroupStore; ops: MemberOps; telemetry: Telemetry; polled: Map<string, PolledMember>; info(row: MemberRow): MemberInfo };

/**
 * Moves the number of active members to `desired`: growing takes back draining members
 * first, then starts retired ones, then spawns new ones; shrinking drains the
 * least-loaded. Records the change (or the refusal that stopped it) in the history.
 */
export const resizeGroup = async (host: ResizeHost, record: GroupRecord, desired: number, reason: string, figure: number | null): Promise<void> => {
  const { store, ops } = host;
  const now = Date.now();
  const rows = store.members();
  const active = rows.filter((m) => m.state === "active").length;
  let reached = active;
  const notes: string[] = [];
  if (desired > active) {
    const scaling = store.scaling();
    const plan = growthPlan(rows, active, desired, record.config.id, scaling.nextSeq, now);
    for (const m of plan.reactivate) store.putMember({ ...m, state: "active", draining_since: null });
    const plans = plan.steps;
    // The sequence advances before any spawn, so a crash never reuses an id for another member.
    store.saveScaling({ ...scaling, nextSeq: plan.nextSeq });
    const outcomes = await Promise.allSettled(plans.map((p) => (p.fresh ? ops.spawn(p.row.id) : ops.start(p.row.id))));
    outcomes.forEach((outcome, i) => {
      const step = plans[i];
      if (!step) return;
      if (outcome.status === "fulfilled") {
        store.putMember({ ...step.row, state: "active", joined_at: now, draining_since: null });
        host.polled.set(step.row.id, { load: { inFlight: 0, queueLength: 0, errorRate: 0 }, status: "running", healthy: true });
      } else {
        const error = outcome.reason;
        notes.push(`${step.row.id}: ${error instanceof ProblemError ? (error.problem.detail ?? error.problem.title) : "unavailable"}`);
      }
    });
    reached = store.members().filter((m) => m.state === "active").length;
  } else if (desired < active) {
    for (let i = 0; i < active - desired; i++) {
      const retiree = pickRetiree(store.members().map((m) => host.info(m)));
      const row = retiree && store.members().find((m) => m.id === retiree.id);
      if (!row) break;
      store.putMember({ ...row, state: "draining", draining_since: now });
    }
    reached = store.members().filter((m) => m.state === "active").length;
  }
  store.saveScaling({ ...store.scaling(), lastScaleAt: now, aboveSince: null, belowSince: null });
  const text = notes.length === 0 ? reason : `${reason}; refused: ${notes.join("; ")}`.slice(0, 1_000);
  store.addHistory(now, active, reached, text, figure);
  host.telemetry.emit("group.scaled", { from: active, to: reached }, { group: record.config.id });
};
