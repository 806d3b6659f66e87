// Why: a run's events (its start and every transition) go to the workflow streams as
// CloudEvents; their envelope (source `workflow/<name>/<run>`, the run as subject) is
// built in one place so every event of a run reads the same to a subscriber.
import type { Transition } from "./run-work.ts";

export type RunEvent = { id: string; source: string; type: string; subject: string; time: string; data: unknown };

/** One event of run `id` of workflow `workflow`, stamped `now`. */
export const runEvent = (workflow: string, id: string, type: string, data: unknown, now: number): RunEvent => ({
  id: crypto.randomUUID(),
  source: `workflow/${workflow}/${id}`,
  type,
  subject: id,
  time: new Date(now).toISOString(),
  data,
});

/** The events of one transition of a run. */
export const transitionEvents = (run: { workflow: string; id: string }, events: readonly Transition[], now: number): RunEvent[] =>
  events.map((event) => runEvent(run.workflow, run.id, event.type, event.data, now));
