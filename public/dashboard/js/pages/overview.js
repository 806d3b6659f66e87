// @ts-check
// Overview: agents by type and status (the directory, paged and counted), action and
// error rates over time (uPlot, from GET /v1/metrics scraped every 5 s and kept in
// memory while the page is open), runs by status, and the laggiest subscriptions. Each
// card asks the API on its own, so a token that may not see one gets "not permitted
// (needs ...)" there and the rest still shows.
//
// Test ids: overview-agents, overview-rates (chart: overview-rates-chart; figures:
// overview-rates-now), overview-runs, overview-lag.
import uPlot from "../../vendor/uPlot.esm.js";
import { api, listAll } from "../api.js";
import { fill, h, link, section, table } from "../dom.js";
import { countAgents, countByStatus, laggiest } from "../lib/counts.js";
import { actionTotals, parsePrometheus, RateSeries } from "../lib/metrics.js";

const SCRAPE_MS = 5_000;
const REFRESH_MS = 15_000;
const MAX_RUNS = 2_000;

const badge = (/** @type {string} */ status) => h("span", { class: `badge ${status}` }, status);
const fmt = (/** @type {number | null | undefined} */ n) => (n === null || n === undefined ? "–" : n < 10 ? n.toFixed(2) : n.toFixed(0));

/** @param {HTMLElement} root @param {{ signal: AbortSignal, every: (ms: number, fn: () => unknown) => void }} ctx */
export const render = async (root, ctx) => {
  const agents = section("Agents by type and status", "overview-agents");
  const rates = section("Actions and errors per second", "overview-rates");
  const runs = section("Runs by status", "overview-runs");
  const lag = section("Laggiest subscriptions", "overview-lag");
  root.append(h("h1", {}, "Overview"), h("div", { class: "grid" }, agents.card, rates.card, runs.card, lag.card));

  ctx.every(REFRESH_MS, () =>
    fill(agents.body, async () => {
      const { items, truncated } = await listAll("/v1/agents", {}, { signal: ctx.signal });
      const counted = countAgents(items);
      return [
        table(
          [["type", (row) => link(`/dashboard/agents?type=${encodeURIComponent(row.type)}`, row.type)], ["total", (row) => row.total], ...counted.statuses.map((status) => /** @type {[string, (row: any) => any]} */ ([status, (row) => row.byStatus[status] ?? 0]))],
          counted.types,
          "no agents yet",
        ),
        h("p", { class: "muted" }, `${counted.total}${truncated ? "+" : ""} agents`),
      ];
    }),
  );

  ctx.every(REFRESH_MS, () =>
    fill(runs.body, async () => {
      const { items, truncated } = await listAll("/v1/runs", {}, { max: MAX_RUNS, signal: ctx.signal });
      return [
        table([["status", (row) => badge(row.status)], ["runs", (row) => row.count]], countByStatus(items), "no runs yet"),
        truncated ? h("p", { class: "muted" }, `the newest ${MAX_RUNS} runs`) : null,
      ];
    }),
  );

  ctx.every(REFRESH_MS, () =>
    fill(lag.body, async () => {
      const { items } = await listAll("/v1/subscriptions", {}, { signal: ctx.signal });
      return table(
        [
          ["subscription", (row) => row.id],
          ["stream", (row) => row.stream],
          ["lag", (row) => row.lag],
          ["dead letters", (row) => row.deadLetters],
          ["status", (row) => badge(row.status)],
        ],
        laggiest(items),
        "no subscriptions",
      );
    }),
  );

  // The chart: drawn once the first scrape answers (a 403 leaves the note instead).
  const series = new RateSeries();
  /** @type {uPlot | null} */
  let chart = null;
  const now = h("p", { class: "muted", "data-testid": "overview-rates-now" }, "collecting: a rate needs two scrapes");
  const holder = h("div", { class: "chart", "data-testid": "overview-rates-chart" });
  const width = () => Math.max(280, holder.clientWidth || rates.body.clientWidth || 480);
  const resize = new ResizeObserver(() => chart?.setSize({ width: width(), height: 220 }));
  ctx.every(SCRAPE_MS, async () => {
    /** @type {string} */
    let text = "";
    const ok = await fill(rates.body, async () => {
      text = await api("/v1/metrics", { headers: { accept: "text/plain" }, signal: ctx.signal });
      return [holder, now];
    });
    if (!ok) return;
    const added = series.add({ at: Date.now(), ...actionTotals(parsePrometheus(text)) });
    if (!chart) {
      chart = new uPlot(
        {
          width: width(),
          height: 220,
          scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
          series: [{}, { label: "actions/s", stroke: "#2f5fd0", width: 2 }, { label: "errors/s", stroke: "#b42318", width: 2 }],
          axes: [{}, { label: "per second" }],
        },
        /** @type {any} */ (series.data),
        holder,
      );
      resize.observe(holder);
    } else chart.setData(/** @type {any} */ (series.data));
    if (added) {
      const last = series.data[0].length - 1;
      now.textContent = `now: ${fmt(series.data[1][last])} actions/s, ${fmt(series.data[2][last])} errors/s (every ${SCRAPE_MS / 1000} s, ${series.data[0].length} points)`;
    }
  });

  return () => {
    resize.disconnect();
    chart?.destroy();
  };
};
