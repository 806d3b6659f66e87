// Building schedules against the agent's type and limits, and writing those an action
// made (ctx.schedule) with its commit. Apart from schedules.ts so that the call path can
// use it without importing the firing pass, which calls back into the call path.
import { findAction } from "../../src/platform/agent/registry.ts";
import type { ScheduleOp } from "../../src/platform/schedules/context.ts";
import { firstDue, type ParsedScheduleRequest, SCHEDULE_LIMITS, type Schedule } from "../../src/platform/schedules/schedule.ts";
import { problem, validationProblem } from "../../src/platform/problem.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import { type AgentCore, requireGuards } from "./core.ts";
import { scheduleStore } from "./schedule-store.ts";

export const schedulesOf = (core: AgentCore) => scheduleStore(core.store.sql);

/** Checks a request against the agent's type and limits, and builds the schedule; throws a 4xx naming the field. */
export const buildSchedule = (core: AgentCore, request: ParsedScheduleRequest, id: string, adding = 1): Schedule => {
  const meta = core.meta!;
  const { definition } = requireGuards(core, meta);
  const spec = findAction(definition, request.action);
  if (!spec) throw validationProblem([{ path: "action", message: `agent type '${meta.type}' has no action '${request.action}'` }]);
  const input = parseOrProblem(spec.input, request.input ?? {}, "input", `The input of '${meta.type}.${request.action}' is not valid.`);
  const now = core.deps.now();
  const first = firstDue(request, now);
  if ("path" in first) throw validationProblem([{ path: first.path, message: first.message }]);
  if (schedulesOf(core).active() + adding > SCHEDULE_LIMITS.perAgent) {
    throw problem(422, "schedule-limit", "Too many schedules", `An agent holds at most ${SCHEDULE_LIMITS.perAgent} active schedules; cancel one first.`, {
      extensions: { limit: SCHEDULE_LIMITS.perAgent },
    });
  }
  return {
    id,
    action: request.action,
    input: JSON.stringify(input ?? null),
    cron: request.cron ?? null,
    timezone: request.cron === undefined ? null : (request.timezone ?? "UTC"),
    missed: request.missed,
    nextAt: first.at,
    createdAt: now,
    firings: 0,
    skipped: 0,
    last: null,
  };
};

/**
 * Checks the schedules an action created (a 4xx fails the call, before anything commits)
 * and answers the write to run right after the action's commit. No await lies between
 * the two, so they land in the same implicit transaction of the object's storage. An id
 * that exists is replaced.
 */
export const stageSchedules = (core: AgentCore, ops: readonly ScheduleOp[]): (() => void) => {
  if (ops.length === 0) return () => undefined;
  const store = schedulesOf(core);
  const creates = ops.filter((op) => op.kind === "create");
  const replaced = creates.filter((op) => store.get(op.id)?.nextAt != null).length;
  const cancelled = ops.filter((op) => op.kind === "cancel" && store.get(op.id)?.nextAt != null).length;
  const built = creates.map((op) => buildSchedule(core, op.request, op.id, creates.length - replaced - cancelled));
  return () => {
    for (const op of ops) if (op.kind === "cancel") store.remove(op.id);
    for (const schedule of built) {
      store.remove(schedule.id);
      store.insert(schedule, null);
    }
    core.onSchedules();
  };
};
