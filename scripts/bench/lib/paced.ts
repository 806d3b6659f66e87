// Open-loop load at a fixed rate: `op(i)` is started on schedule (i / rate seconds after
// the start) whatever the replies, so two servers loaded alike do the same work per
// second, and neither's CPU per request shifts with a throughput of its own (a server
// short of CPU in a closed loop serves fewer requests, each at a different cost). At most
// `maxInFlight` requests are outstanding; a start due beyond that is skipped and counted.
import { type Outcome, sleep } from "./stats.ts";

export type PacedResult = { ok: number; errors: number; skipped: number; firstErrors: string[] };

export const pacedLoop = async (options: { rate: number; maxMs: number; maxInFlight: number; op: (i: number) => Promise<Outcome> }): Promise<PacedResult> => {
  const result: PacedResult = { ok: 0, errors: 0, skipped: 0, firstErrors: [] };
  const started = performance.now();
  const running = new Set<Promise<void>>();
  let due = 0;
  for (;;) {
    const elapsed = performance.now() - started;
    if (elapsed >= options.maxMs) break;
    const target = Math.floor((elapsed / 1000) * options.rate);
    for (; due < target; due++) {
      if (running.size >= options.maxInFlight) {
        result.skipped++;
        continue;
      }
      const i = due;
      const request = options
        .op(i)
        .catch((error: unknown): Outcome => ({ ok: false, ms: 0, error: `thrown: ${error instanceof Error ? error.message : String(error)}` }))
        .then((outcome) => {
          if (outcome.ok) result.ok++;
          else {
            result.errors++;
            if (result.firstErrors.length < 5) result.firstErrors.push(outcome.error ?? "unknown error");
          }
          running.delete(request);
        });
      running.add(request);
    }
    await sleep(2);
  }
  await Promise.all(running);
  return result;
};
