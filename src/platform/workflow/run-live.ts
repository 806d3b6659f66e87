// Why: a run's live transitions (`GET /v1/runs/:id/live`) are read out of its shard's
// `workflow.<k>` stream, which every run of that shard writes to. These decide which
// stored events are this run's (its coordinator's source and the run id as subject),
// which one is its last (the run reaching a final status), and where to start reading.
import type { TailItem } from "../events/sse.ts";
import { FINAL_STATUSES } from "./run-state.ts";

/**
 * How long before the run's creation its first transition may appear to be appended:
 * the stream stamps appends with its own clock, which may run behind the coordinator's.
 * Reading from a little earlier costs only the other runs' events, which are skipped.
 */
export const CLOCK_SKEW_MS = 5_000;

const FINAL_TYPES = new Set(FINAL_STATUSES.map((status) => `workflow.run.${status}`));

const envelope = (item: TailItem): { source?: unknown; subject?: unknown; type?: unknown } => {
  try {
    return JSON.parse(item.event) as { source?: unknown; subject?: unknown; type?: unknown };
  } catch {
    return {};
  }
};

/** Picks run `id` of `workflow`'s transitions out of its shard's stream, and ends at its final one. */
export const runTransitions = (run: { id: string; workflow: string }) => {
  const source = `workflow/${run.workflow}/${run.id}`;
  return {
    keep: (item: TailItem): boolean => {
      const event = envelope(item);
      return event.source === source && event.subject === run.id;
    },
    last: (item: TailItem): boolean => {
      const { type } = envelope(item);
      return typeof type === "string" && FINAL_TYPES.has(type);
    },
  };
};
