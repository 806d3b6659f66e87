// The load figures an agent reports to the directory, computed from what it already
// counts: calls running and waiting in its bulkhead, and a window of its last calls
// (outcome and duration) for the error rate and the median latency. Recording is O(1)
// per call; the figures are computed only when the agent reports (a status change or
// its alarm), never per call.
export type LoadFigures = {
  inFlight: number;
  queueLength: number;
  /** Failed calls / calls in the window, 0 when there were none. */
  errorRate: number;
  /** Median duration of the window's calls in ms, null when there were none. */
  p50Ms: number | null;
  /** How many calls the window holds. */
  windowCalls: number;
};

export const IDLE_LOAD: LoadFigures = { inFlight: 0, queueLength: 0, errorRate: 0, p50Ms: null, windowCalls: 0 };

export type LoadWindow = {
  record(durationMs: number, ok: boolean, at: number): void;
  figures(now: number, busy: { inFlight: number; queueLength: number }): LoadFigures;
};

/** The last `size` calls, of which those younger than `maxAgeMs` count. */
export const createLoadWindow = (size = 64, maxAgeMs = 5 * 60_000): LoadWindow => {
  const durations = new Float64Array(size);
  const failed = new Uint8Array(size);
  const times = new Float64Array(size);
  let next = 0;
  let filled = 0;
  return {
    record(durationMs, ok, at) {
      durations[next] = Math.max(0, durationMs);
      failed[next] = ok ? 0 : 1;
      times[next] = at;
      next = (next + 1) % size;
      filled = Math.min(size, filled + 1);
    },
    figures(now, busy) {
      const recent: number[] = [];
      let failures = 0;
      for (let i = 0; i < filled; i++) {
        if (now - (times[i] ?? 0) > maxAgeMs) continue;
        recent.push(durations[i] ?? 0);
        failures += failed[i] ?? 0;
      }
      recent.sort((a, b) => a - b);
      const p50 = recent.length === 0 ? null : (recent[Math.floor((recent.length - 1) / 2)] ?? null);
      return {
        inFlight: busy.inFlight,
        queueLength: busy.queueLength,
        errorRate: recent.length === 0 ? 0 : failures / recent.length,
        p50Ms: p50 === null ? null : Math.round(p50 * 10) / 10,
        windowCalls: recent.length,
      };
    },
  };
};
