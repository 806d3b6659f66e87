// @ts-check
// Agents: the tenant's directory, searchable by type, status, capability and labels, a
// page at a time (the API's cursor), and a form to spawn an agent (type from GET
// /v1/agent-types, id, labels). A spawned agent's page opens when the spawn answers.
// Filters given in the URL (?type=&status=&capability=&labels=) are applied on load.
//
// Test ids: agents-filter (form), agents-filter-type, agents-filter-status,
// agents-filter-capability, agents-filter-labels, agents-search, agents-list,
// agents-more; spawn-form, spawn-type, spawn-id, spawn-labels, spawn-submit, spawn-result.
import { api } from "../api.js";
import { fill, h, link, problemNote, section, table } from "../dom.js";
import { formatLabels, labelQuery, parseLabels } from "../lib/labels.js";
import { pathOf } from "../routes.js";

const STATUSES = ["", "running", "paused", "stopped", "failed"];
const PAGE = 50;

const badge = (/** @type {string} */ status) => h("span", { class: `badge ${status}` }, status);

/** @param {HTMLElement} root @param {{ signal: AbortSignal, navigate: (path: string) => void }} ctx */
export const render = async (root, ctx) => {
  const params = new URLSearchParams(location.search);
  const list = section("Agents", "agents-list");
  const spawn = section("Spawn agent", "spawn");

  // Filters
  const typeFilter = h("select", { id: "agents-filter-type", "data-testid": "agents-filter-type" }, h("option", { value: "" }, "any type"));
  const statusFilter = h("select", { id: "agents-filter-status", "data-testid": "agents-filter-status" }, STATUSES.map((s) => h("option", { value: s }, s || "any status")));
  const capabilityFilter = h("input", { id: "agents-filter-capability", "data-testid": "agents-filter-capability", placeholder: "capability", value: params.get("capability") ?? "" });
  const labelsFilter = h("input", { id: "agents-filter-labels", "data-testid": "agents-filter-labels", placeholder: "region=eu, tier=gold", value: params.get("labels") ?? "" });
  const filterForm = h(
    "form",
    { class: "inline", "data-testid": "agents-filter" },
    h("label", {}, "type", typeFilter),
    h("label", {}, "status", statusFilter),
    h("label", {}, "capability", capabilityFilter),
    h("label", {}, "labels", labelsFilter),
    h("button", { type: "submit", class: "primary", "data-testid": "agents-search" }, "Search"),
  );
  const rows = h("div", {});
  const more = h("button", { type: "button", "data-testid": "agents-more", hidden: true }, "More");
  list.body.append(filterForm, rows, more);

  // Spawn
  const spawnType = h("select", { id: "spawn-type", "data-testid": "spawn-type", required: true });
  const spawnId = h("input", { id: "spawn-id", "data-testid": "spawn-id", required: true, placeholder: "e.g. counter-1", pattern: "[A-Za-z0-9._:\\-]{1,128}" });
  const spawnLabels = h("input", { id: "spawn-labels", "data-testid": "spawn-labels", placeholder: "region=eu, tier=gold" });
  const spawnResult = h("div", { "data-testid": "spawn-result" });
  const spawnForm = h(
    "form",
    { class: "stack", "data-testid": "spawn-form" },
    h("label", {}, "type", spawnType),
    h("label", {}, "id", spawnId),
    h("label", {}, "labels (optional)", spawnLabels),
    h("button", { type: "submit", class: "primary", "data-testid": "spawn-submit" }, "Spawn"),
    spawnResult,
  );
  spawn.body.append(spawnForm);
  root.append(h("h1", {}, "Agents"), list.card, spawn.card);

  // Types for both forms (a token that may not read types can still list by what it types).
  try {
    const types = await api("/v1/agent-types", { signal: ctx.signal });
    for (const t of types.items) {
      typeFilter.append(h("option", { value: t.name }, t.name));
      spawnType.append(h("option", { value: t.name }, `${t.name} ${t.version}`));
    }
  } catch (error) {
    spawn.body.prepend(problemNote(error));
  }
  /** @type {HTMLSelectElement} */ (typeFilter).value = params.get("type") ?? "";
  /** @type {HTMLSelectElement} */ (statusFilter).value = params.get("status") ?? "";

  /** @type {string | null} */
  let cursor = null;
  /** @type {any[]} */
  let shown = [];
  const draw = () =>
    table(
      [
        ["id", (a) => link(pathOf("agents", a.id), a.id)],
        ["type", (a) => `${a.type} ${a.version}`],
        ["status", (a) => badge(a.status)],
        ["breaker", (a) => badge(a.breaker)],
        ["in flight", (a) => a.load?.inFlight ?? 0],
        ["labels", (a) => formatLabels(a.labels)],
      ],
      shown,
      "no agents match",
    );
  /** @param {boolean} next */
  const load = async (next) => {
    const labels = parseLabels(/** @type {HTMLInputElement} */ (labelsFilter).value);
    if (!labels.ok) {
      rows.replaceChildren(h("p", { class: "error" }, labels.error));
      return;
    }
    const query = {
      type: /** @type {HTMLSelectElement} */ (typeFilter).value,
      status: /** @type {HTMLSelectElement} */ (statusFilter).value,
      capability: /** @type {HTMLInputElement} */ (capabilityFilter).value.trim(),
      ...labelQuery(labels.labels),
      limit: PAGE,
      cursor: next ? cursor : undefined,
    };
    if (!next) shown = [];
    await fill(rows, async () => {
      const page = await api("/v1/agents", { query, signal: ctx.signal });
      shown = [...shown, ...page.items];
      cursor = page.next ?? null;
      return draw();
    });
    more.hidden = !cursor;
  };
  filterForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void load(false);
  });
  more.addEventListener("click", () => void load(true));

  spawnForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const labels = parseLabels(/** @type {HTMLInputElement} */ (spawnLabels).value);
    if (!labels.ok) {
      spawnResult.replaceChildren(h("p", { class: "error" }, labels.error));
      return;
    }
    const id = /** @type {HTMLInputElement} */ (spawnId).value.trim();
    const body = { type: /** @type {HTMLSelectElement} */ (spawnType).value, id, ...(Object.keys(labels.labels).length ? { labels: labels.labels } : {}) };
    spawnResult.replaceChildren(h("p", { class: "muted" }, "spawning..."));
    try {
      const agent = await api("/v1/agents", { method: "POST", body });
      spawnResult.replaceChildren(h("p", { class: "ok" }, `spawned ${agent.id} (${agent.status})`));
      ctx.navigate(pathOf("agents", agent.id));
    } catch (error) {
      spawnResult.replaceChildren(problemNote(error));
    }
  });

  await load(false);
};
