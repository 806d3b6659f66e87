// @ts-check
// The overview's charts come from GET /v1/metrics (Prometheus text): counters are totals,
// so a rate is the difference of two scrapes over the time between them. This module
// parses the text, sums the action counters, and keeps a bounded time series in memory
// for uPlot. Pure (metrics.test.js).

/**
 * @param {string} text Prometheus text format 0.0.4
 * @returns {{ name: string, labels: Record<string, string>, value: number }[]}
 */
export const parsePrometheus = (text) => {
  const samples = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const [, name = "", , body = "", value = ""] = match;
    samples.push({ name, labels: parseLabels(body), value: Number(value.replace(/^\+Inf$/, "Infinity")) });
  }
  return samples;
};

/** @param {string} body e.g. `a="x",b="y\"z"` */
const parseLabels = (body) => {
  /** @type {Record<string, string>} */
  const labels = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const m of body.matchAll(re)) {
    labels[m[1] ?? ""] = (m[2] ?? "").replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
  }
  return labels;
};

/**
 * Action totals of one scrape: all actions, and those whose outcome is not ok.
 * @param {ReturnType<typeof parsePrometheus>} samples
 */
export const actionTotals = (samples) => {
  let actions = 0;
  let errors = 0;
  for (const s of samples) {
    if (s.name !== "jido_actions_total") continue;
    actions += s.value;
    if (s.labels.outcome !== "ok") errors += s.value;
  }
  return { actions, errors };
};

/**
 * Per-second rates between two scrapes; null when they cannot say (no time passed, or a
 * counter went down: an aggregator was reset).
 * @param {{ at: number, actions: number, errors: number }} before at in ms
 * @param {{ at: number, actions: number, errors: number }} after
 */
export const ratesBetween = (before, after) => {
  const seconds = (after.at - before.at) / 1000;
  if (!(seconds > 0)) return null;
  const actions = after.actions - before.actions;
  const errors = after.errors - before.errors;
  if (actions < 0 || errors < 0) return null;
  return { actionsPerSecond: actions / seconds, errorsPerSecond: errors / seconds, errorRatio: actions > 0 ? errors / actions : 0 };
};

/**
 * A bounded time series of rates, in uPlot's column form: [times (s), actions/s, errors/s].
 * Feed it each scrape's totals with `add`.
 */
export class RateSeries {
  /** @param {number} [capacity] points kept */
  constructor(capacity = 360) {
    this.capacity = capacity;
    /** @type {{ at: number, actions: number, errors: number } | null} */
    this.last = null;
    /** @type {[number[], (number | null)[], (number | null)[]]} */
    this.data = [[], [], []];
  }

  /** @param {{ at: number, actions: number, errors: number }} totals @returns {boolean} whether a point was added */
  add(totals) {
    const before = this.last;
    this.last = totals;
    if (!before) return false;
    const rates = ratesBetween(before, totals);
    this.data[0].push(totals.at / 1000);
    this.data[1].push(rates ? rates.actionsPerSecond : null);
    this.data[2].push(rates ? rates.errorsPerSecond : null);
    if (this.data[0].length > this.capacity) for (const column of this.data) column.shift();
    return true;
  }
}
