// A run's timeline for the dashboard: turns the view GET /v1/runs/:id answers into one row
// per step (when it started relative to the run, how long it took, its attempts, its
// compensation, the agent that served it and that agent's discovery score, the rebinds
// that moved it), so the page only draws rows. Pure, so it is tested without a browser.

/** Statuses after which a run changes no more (src/platform/workflow/run-state.ts). */
export const FINAL_RUN_STATUSES = Object.freeze(["completed", "failed", "compensated", "cancelled", "timed_out"]);

/** @param {string} status */
export const isFinalRunStatus = (status) => FINAL_RUN_STATUSES.includes(status);

/** @param {string | null | undefined} iso */
const epoch = (iso) => {
  if (typeof iso !== "string") return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : null;
};

/**
 * A duration as people read it: "850 ms", "2.4 s", "3 min 05 s"; "" for none.
 * @param {number | null | undefined} ms
 */
export const formatDuration = (ms) => {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes} min ${String(seconds).padStart(2, "0")} s`;
};

/**
 * @typedef {{ name: string, kind: string, status: string, attempts: number,
 *   agent: string | null, how: string | null, score: number | null,
 *   startedAt: string | null, finishedAt: string | null,
 *   offsetMs: number | null, durationMs: number | null, running: boolean,
 *   compensation: { status: string, attempts: number, error: string | null } | null,
 *   error: string | null, rebinds: { from: string, to: string, reason: string, attempt: number }[] }} TimelineRow
 */

/** @param {unknown} problem */
const problemText = (problem) => {
  if (!problem || typeof problem !== "object") return null;
  const p = /** @type {Record<string, unknown>} */ (problem);
  const type = typeof p.type === "string" ? p.type : "error";
  return typeof p.detail === "string" && p.detail !== "" ? `${type}: ${p.detail}` : type;
};

/**
 * One row per step of `run`, in the run's step order. `now` (epoch ms) sizes a step still
 * under way, so its bar grows while the page refreshes.
 * @param {any} run the body of GET /v1/runs/:id
 * @param {number} [now]
 * @returns {TimelineRow[]}
 */
export const timelineRows = (run, now = Date.now()) => {
  const runStart = epoch(run?.createdAt);
  const rebinds = Array.isArray(run?.rebinds) ? run.rebinds : [];
  const steps = Array.isArray(run?.steps) ? run.steps : [];
  return steps.map((step) => {
    const started = epoch(step.startedAt);
    const finished = epoch(step.finishedAt);
    const running = started !== null && finished === null && (step.status === "running" || step.status === "waiting");
    const durationMs = typeof step.durationMs === "number" ? step.durationMs : started !== null ? (finished ?? (running ? now : started)) - started : null;
    const compensation = step.compensation && typeof step.compensation === "object"
      ? { status: String(step.compensation.status), attempts: Number(step.compensation.attempts ?? 0), error: problemText(step.compensation.error) }
      : null;
    return {
      name: String(step.name),
      kind: String(step.kind ?? "step"),
      status: String(step.status),
      attempts: Number(step.attempts ?? 0),
      agent: typeof step.agent === "string" ? step.agent : null,
      how: typeof step.selection?.how === "string" ? step.selection.how : null,
      score: typeof step.selection?.score === "number" ? step.selection.score : null,
      startedAt: step.startedAt ?? null,
      finishedAt: step.finishedAt ?? null,
      offsetMs: started !== null && runStart !== null ? Math.max(0, started - runStart) : null,
      durationMs: durationMs !== null ? Math.max(0, durationMs) : null,
      running,
      compensation,
      error: problemText(step.error),
      rebinds: rebinds
        .filter((r) => r && r.step === step.name)
        .map((r) => ({ from: String(r.from), to: String(r.to), reason: String(r.reason), attempt: Number(r.attempt) })),
    };
  });
};

/**
 * The time the timeline's bars are drawn against: from the run's start to its last
 * known moment (the latest step end, or `now` while a step runs), at least 1 ms.
 * @param {TimelineRow[]} rows
 */
export const timelineSpanMs = (rows) => Math.max(1, ...rows.map((row) => (row.offsetMs ?? 0) + (row.durationMs ?? 0)));

/**
 * Where a row's bar sits, as percentages of the span (left, width), or null for a step
 * that never started. A bar is at least 0.5 % wide, so a 1 ms step stays visible.
 * @param {TimelineRow} row
 * @param {number} spanMs
 */
export const barGeometry = (row, spanMs) => {
  if (row.offsetMs === null) return null;
  const MIN_WIDTH = 0.5;
  const left = Math.min(100 - MIN_WIDTH, (row.offsetMs / spanMs) * 100);
  const width = Math.max(MIN_WIDTH, Math.min(100 - left, ((row.durationMs ?? 0) / spanMs) * 100));
  return { left, width };
};
