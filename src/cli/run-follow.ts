// `jido workflows run --wait` follows a run live: the SSE of its transitions
// (runs.watch, GET /v1/runs/:id/live) says when something changed, and the run is read
// after each transition to print what changed (run-progress.ts) and move the bar; no
// timed polling. A dropped stream costs one read (the run may have ended meanwhile), then
// the watch goes on after the last transition seen (Last-Event-ID); a refused one (an HTTP
// answer, e.g. a platform without the live route) ends with that error unless the read
// shows the run ended.
import { type CloudEvent, JidoApiError, type RunView } from "../client/index.ts";
import { Failure } from "./failure.ts";
import { progress } from "./progress.ts";
import { isFinal, stepsDone, transitions } from "./run-progress.ts";

/** What following needs of the client (client.runs). */
export type RunSource = {
  get(id: string): Promise<RunView>;
  watch(id: string, options: { signal?: AbortSignal; after?: number }): AsyncIterable<CloudEvent>;
};

export type FollowOptions = { bar: boolean; quiet: boolean; retryMs: number; timeoutMs: number };

/** Resolves after `ms`, or at once when `signal` aborts. */
const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

/** Follows run `first` until it ends, printing its transitions; answers the final view. */
export const followRun = async (source: RunSource, first: RunView, options: FollowOptions): Promise<RunView> => {
  const bar = progress(options.bar, "steps", stepsDone(first).total);
  let last = first;
  /** Prints what changed since the last view (everything, for the first) and keeps `next` as the last. */
  const show = (next: RunView, before: RunView | null = last) => {
    if (!options.quiet) for (const line of transitions(before, next)) bar.log(line);
    const { done, total } = stepsDone(next);
    bar.update(done, total);
    last = next;
  };
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), options.timeoutMs);
  const { signal } = timeout;
  let after: number | undefined;
  show(first, null);
  try {
    while (!isFinal(last.status) && !signal.aborted) {
      try {
        for await (const event of source.watch(first.id, { signal, ...(after === undefined ? {} : { after }) })) {
          after = event.sequence;
          show(await source.get(first.id));
          if (isFinal(last.status)) break;
        }
        // The watch ends after the run's final transition (or when the wait timed out).
        if (!isFinal(last.status) && !signal.aborted) show(await source.get(first.id));
      } catch (error) {
        if (signal.aborted) break;
        show(await source.get(first.id));
        if (isFinal(last.status)) break;
        if (error instanceof JidoApiError) throw error;
        await pause(options.retryMs, signal);
      }
    }
    if (!isFinal(last.status)) throw new Failure(`run ${last.id} is still ${last.status} after ${options.timeoutMs / 1000} s (it goes on; jido runs get ${last.id})`);
  } finally {
    clearTimeout(timer);
    bar.stop();
  }
  return last;
};
