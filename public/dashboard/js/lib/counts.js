// @ts-check
// Counting for the overview: agents by type and status, runs by status. Pure, so the
// unit tests pin it (counts.test.js).

/**
 * @param {ReadonlyArray<{ type: string, status: string }>} agents directory entries
 * @returns {{ total: number, statuses: string[], types: { type: string, total: number, byStatus: Record<string, number> }[] }}
 *   types by name; statuses in a fixed order (known ones first, then others by name)
 */
export const countAgents = (agents) => {
  /** @type {Map<string, { type: string, total: number, byStatus: Record<string, number> }>} */
  const types = new Map();
  const statuses = new Set();
  for (const { type, status } of agents) {
    let row = types.get(type);
    if (!row) types.set(type, (row = { type, total: 0, byStatus: {} }));
    row.total++;
    row.byStatus[status] = (row.byStatus[status] ?? 0) + 1;
    statuses.add(status);
  }
  return {
    total: agents.length,
    statuses: orderStatuses([...statuses], AGENT_STATUSES),
    types: [...types.values()].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0)),
  };
};

const AGENT_STATUSES = ["running", "paused", "stopped", "failed"];
const RUN_STATUSES = ["running", "waiting", "compensating", "cancelling", "completed", "failed", "compensated", "cancelled", "timed_out"];

/** @param {string[]} found @param {string[]} known */
const orderStatuses = (found, known) =>
  found.sort((a, b) => {
    const ia = known.indexOf(a);
    const ib = known.indexOf(b);
    if (ia !== -1 || ib !== -1) return (ia === -1 ? Infinity : ia) - (ib === -1 ? Infinity : ib);
    return a < b ? -1 : a > b ? 1 : 0;
  });

/**
 * @param {ReadonlyArray<{ status: string }>} runs
 * @returns {{ status: string, count: number }[]}
 */
export const countByStatus = (runs) => {
  /** @type {Record<string, number>} */
  const counts = {};
  for (const { status } of runs) counts[status] = (counts[status] ?? 0) + 1;
  return orderStatuses(Object.keys(counts), RUN_STATUSES).map((status) => ({ status, count: counts[status] ?? 0 }));
};

/**
 * The subscriptions' streams sorted by lag, largest first (one row per subscription and stream).
 * @param {ReadonlyArray<{ id: string, status: string, streams?: ReadonlyArray<{ stream: string, lag: number, lastError?: unknown, deadLetters?: number }> }>} subscriptions
 * @param {number} [limit]
 */
export const laggiest = (subscriptions, limit = 10) =>
  subscriptions
    .flatMap((s) => (s.streams ?? []).map((st) => ({ id: s.id, status: s.status, stream: st.stream, lag: st.lag, deadLetters: st.deadLetters ?? 0, lastError: st.lastError ?? null })))
    .sort((a, b) => b.lag - a.lag || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, limit);
