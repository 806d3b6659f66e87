// An agent's schedules: create (HTTP or ctx.schedule), list, cancel, and the alarm's
// firing pass. Each firing runs its action through the ordinary call path under the key
// `sched:<id>:<dueAt>`, so the agent's idempotency records make it exactly-once: a
// firing retried after a crash (before its schedule row moved on) is replayed, not run.
// Schedules fire only while the agent is running; a paused or stopped agent's due
// schedules wait, and the missed policy applies when it runs again.
import { idFromRequestKey } from "../../src/platform/request-key.ts";
import { lastErrorFrom } from "../../src/platform/agent/agent-meta.ts";
import type { AgentAddress } from "../../src/platform/agent/rpc.ts";
import { planFiring } from "../../src/platform/schedules/firing.ts";
import {
  firingKey,
  scheduleRequestSchema,
  type ScheduleView,
  scheduleView,
} from "../../src/platform/schedules/schedule.ts";
import { cursorKey, type Page, pageOfRows, type PaginationQuery, paginationQuery } from "../../src/platform/pagination.ts";
import { conflict, notFound, ProblemError } from "../../src/platform/problem.ts";
import type { Caller } from "../../src/platform/security/caller.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import { callAuthorized } from "./calls.ts";
import { type AgentCore, agentCapability, agentResource, authorize, requireAgent, requireAuthorized } from "./core.ts";
import { buildSchedule, schedulesOf } from "./schedule-ops.ts";

export { schedulesOf };

/** How many due schedules one alarm pass fires before re-arming (the rest fire on the next pass, at once). */
const FIRINGS_PER_PASS = 200;
/** How long a finished one-shot stays listed after its firing. */
const DONE_KEPT_MS = 24 * 60 * 60 * 1000;

/**
 * `POST /v1/agents/:id/schedules`. Without an id, the id derives from the request's key,
 * so the platform's retry of the same request finds the schedule its first attempt made.
 */
export const createSchedule = async (
  core: AgentCore,
  address: AgentAddress,
  caller: Caller,
  raw: unknown,
  requestKey: string,
): Promise<{ created: boolean; schedule: ScheduleView }> => {
  const found = requireAgent(core, address);
  const request = parseOrProblem(scheduleRequestSchema, raw);
  await authorize(core, caller, agentCapability("schedule", found.type), agentResource(found), { action: request.action });
  return core.mailbox.run(async () => {
    requireAgent(core, address);
    const id = request.id ?? (await idFromRequestKey("s", requestKey));
    const store = schedulesOf(core);
    const existing = store.get(id);
    if (existing) {
      if (existing.requestKey === requestKey) return { created: false, schedule: scheduleView(existing) };
      throw conflict(`Schedule '${id}' already exists.`, { scheduleId: id });
    }
    const schedule = buildSchedule(core, request, id);
    store.insert(schedule, requestKey);
    core.onSchedules();
    return { created: true, schedule: scheduleView(schedule) };
  });
};

export const listSchedules = async (core: AgentCore, address: AgentAddress, caller: Caller, rawQuery: PaginationQuery): Promise<Page<ScheduleView>> => {
  const query = parseOrProblem(paginationQuery, rawQuery, "query");
  await requireAuthorized(core, address, caller, "read");
  const rows = schedulesOf(core).page(cursorKey(query.cursor), query.limit);
  const page = pageOfRows(rows, (s) => s.id, query.limit);
  return { items: page.items.map(scheduleView), next: page.next };
};

export const cancelSchedule = async (core: AgentCore, address: AgentAddress, caller: Caller, id: string): Promise<void> => {
  const found = requireAgent(core, address);
  await authorize(core, caller, agentCapability("schedule", found.type), agentResource(found));
  if (!schedulesOf(core).remove(id)) throw notFound("Schedule", id);
};

/** When the alarm is needed for schedules: the earliest due time while the agent runs, else never. */
export const nextScheduleDue = (core: AgentCore): number | null => (core.meta?.status === "running" ? schedulesOf(core).nextDue() : null);

/**
 * Fires the due schedules (up to FIRINGS_PER_PASS); answers whether more are due now.
 * A failing action has already had its retries (the agent's retry policy); its problem
 * is the schedule's last outcome, and the schedule moves on.
 */
export const fireDueSchedules = async (core: AgentCore): Promise<boolean> => {
  const meta = core.meta;
  if (!meta || meta.status !== "running") return false;
  const store = schedulesOf(core);
  const now = core.deps.now();
  store.pruneDone(now - DONE_KEPT_MS);
  const due = store.due(now, FIRINGS_PER_PASS);
  const address = { tenant: meta.tenant, id: meta.id };
  for (const schedule of due) {
    const plan = planFiring(schedule, core.deps.now());
    if (!plan) continue;
    if (core.meta?.status !== "running") return false;
    if (!plan.fire) {
      // A firing whose action committed just before a crash (the schedule not yet moved on)
      // was not missed: its record under the firing's key says it ran, so it counts as fired.
      const ran = core.store.findIdempotency(firingKey(schedule.id, plan.dueAt), now);
      if (ran) {
        store.settle(schedule.id, { nextAt: plan.nextAt, fired: true, last: { dueAt: plan.dueAt, ranAt: ran.createdAt, ok: true, error: null } });
        continue;
      }
      store.settle(schedule.id, { nextAt: plan.nextAt, fired: false, last: null });
      core.deps.telemetry.emit("agent.schedule.skipped", { count: 1 }, { agent_type: meta.type });
      continue;
    }
    let error: ProblemError["problem"] | null = null;
    try {
      await callAuthorized(core, address, {
        action: schedule.action,
        input: JSON.parse(schedule.input),
        idempotencyKey: firingKey(schedule.id, plan.dueAt),
        keyOrigin: "client",
      });
    } catch (thrown) {
      if (!(thrown instanceof ProblemError)) throw thrown;
      // The agent stopped or paused meanwhile: the firing waits for it (nothing ran).
      if (thrown.status === 409 && core.meta?.status !== "running") return false;
      error = thrown.problem;
    }
    const ranAt = core.deps.now();
    if (!store.get(schedule.id)) continue; // cancelled while it ran
    const failure = error && lastErrorFrom(error, ranAt);
    store.settle(schedule.id, {
      nextAt: plan.nextAt,
      fired: true,
      last: { dueAt: plan.dueAt, ranAt, ok: error === null, error: failure && { type: failure.type, status: failure.status, detail: failure.detail } },
    });
    core.deps.telemetry.emit("agent.schedule.fired", { count: 1, delay_ms: ranAt - plan.dueAt }, { agent_type: meta.type, outcome: error ? "failed" : "ok" });
  }
  return due.length === FIRINGS_PER_PASS;
};
