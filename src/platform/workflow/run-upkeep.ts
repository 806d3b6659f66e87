// Why: a coordinator's alarm does everything a run needs after its transitions
// (deadlines, resuming calls a crash cut short, publishing, deleting the run once its
// retention ends). When it must come back, and when only the retention is left, are
// decisions on the run's stored figures: here, pure, so they are tested without workerd.
import { nextWakeUp } from "./interpreter.ts";
import { isFinal, type RunState } from "./run-state.ts";
import { runShardCount, runShardOf } from "./run-shards.ts";

/** While a call is under way, the alarm comes back this often to resume it if the process died. */
export const WATCHDOG_MS = 5_000;
/** Events or an index entry not yet published: the alarm retries this soon. */
export const PUBLISH_RETRY_MS = 1_000;

/** What the coordinator knows of a run besides its state: the status last indexed and the events waiting to be published. */
export type RunUpkeep = { state: RunState; indexedStatus: string | null; pendingEvents: number };

/** Ended, its events published and its final status in the runs index: only its retention is left. */
export const isSettled = ({ state, indexedStatus, pendingEvents }: RunUpkeep): boolean =>
  isFinal(state.status) && indexedStatus === state.status && pendingEvents === 0;

/** The alarm times a publishing pass asks for (earliest wins): the run's next deadline, the watchdog of calls under way, a publishing retry. */
export const passDeadlines = ({ state, indexedStatus, pendingEvents }: RunUpkeep, callsInFlight: number, now: number): (number | null)[] => [
  nextWakeUp(state),
  !isFinal(state.status) && callsInFlight > 0 ? now + WATCHDOG_MS : null,
  pendingEvents > 0 || indexedStatus !== state.status ? now + PUBLISH_RETRY_MS : null,
];

/** The run's shard: the one it was indexed in, else the hash of its id over the deployment's shard count. */
export const runHomeShard = (indexedIn: number | "registry" | undefined, runId: string, shardsVar: string | undefined): number =>
  typeof indexedIn === "number" ? indexedIn : runShardOf(runId, runShardCount(shardsVar));
