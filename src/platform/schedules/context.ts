// `ctx.schedule` and `ctx.schedules` inside an action: requests are checked at once (a
// bad one throws a non-retryable ActionError naming the field) and collected, like
// emitted events, for the object to write with the action's commit; a failed attempt
// leaves none behind.
import { ActionError } from "../agent/action-error.ts";
import { fieldErrors } from "../zod-issues.ts";
import { type ParsedScheduleRequest, type ScheduleRequest, scheduleRequestSchema, type ScheduleView } from "./schedule.ts";

export type ScheduleOp = { kind: "create"; id: string; request: ParsedScheduleRequest } | { kind: "cancel"; id: string };

export interface ScheduleAccess {
  /** Lists the agent's schedules as committed before this action (up to 1,000). */
  list(): Promise<ScheduleView[]>;
  /** Cancels a schedule with this action's commit (nothing if it does not exist). */
  cancel(id: string): void;
}

export const scheduleContext = (
  ops: ScheduleOp[],
  newId: () => string,
  list: (() => Promise<ScheduleView[]>) | undefined,
): { schedule(request: ScheduleRequest): string; schedules: ScheduleAccess } => ({
  schedule: (request) => {
    const parsed = scheduleRequestSchema.safeParse(request);
    if (!parsed.success) {
      const [first] = fieldErrors(parsed.error.issues, "schedule");
      throw new ActionError("invalid-schedule", `${first?.path ?? "schedule"}: ${first?.message ?? "invalid"}`, { details: { errors: fieldErrors(parsed.error.issues, "schedule") } });
    }
    const id = parsed.data.id ?? `s_${newId()}`;
    ops.push({ kind: "create", id, request: parsed.data });
    return id;
  },
  schedules: {
    list: () => (list ? list() : Promise.reject(new ActionError("unsupported", "This host has no schedules."))),
    cancel: (id) => {
      ops.push({ kind: "cancel", id });
    },
  },
});
