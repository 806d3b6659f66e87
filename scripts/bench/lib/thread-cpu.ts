// CPU time of one process at nanosecond resolution, for measurements too short for the
// 10 ms ticks of /proc/<pid>/stat (a one-second burst there is ~100 ticks, so +-1-2% per
// reading): the sum of `se.sum_exec_runtime` over /proc/<pid>/task/*/sched. A thread
// that exits between two readings takes its time with it; `threads` lets a caller see
// that the set changed (workerd keeps its threads, so this is rare) and fall back to ticks.
import { readdirSync, readFileSync } from "node:fs";

export type ThreadCpu = { seconds: number; threads: string };

/** The process' CPU seconds so far (all its live threads); NaN when it is gone. */
export const threadCpu = (pid: number): ThreadCpu => {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return { seconds: Number.NaN, threads: "" };
  }
  let ms = 0;
  for (const tid of tids) {
    try {
      const m = /se\.sum_exec_runtime\s*:\s*([\d.]+)/.exec(readFileSync(`/proc/${pid}/task/${tid}/sched`, "utf8"));
      if (m) ms += Number(m[1]);
    } catch {
      // exited meanwhile
    }
  }
  return { seconds: ms / 1000, threads: tids.sort().join(",") };
};
