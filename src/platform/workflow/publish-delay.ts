// Why: a coordinator publishes a run's transitions (one append to its `workflow.<k>`
// stream) and keeps the runs index current after its turns. A run's calls answer
// within milliseconds of each other, so publishing after each turn cost an append (and
// often an index write for `running`) per call outcome. While calls are under way, a
// pass waits a moment so the turns that follow go in the same append; a run that has
// ended, or waits on nothing in flight, is published at once.
import { isFinal, type RunStatus } from "./run-state.ts";

/** How long a publishing pass waits for more turns while the run has calls under way. */
export const PUBLISH_COALESCE_MS = 25;

export const publishDelay = (status: RunStatus, callsInFlight: number): number =>
  !isFinal(status) && callsInFlight > 0 ? PUBLISH_COALESCE_MS : 0;
