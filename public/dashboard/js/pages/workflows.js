// Workflows and runs (/dashboard/workflows): the workflows the tenant can run (built-in
// and registered, latest version first), a form to start a run generated from the chosen
// workflow's required inputs (typed by the actions that read them, lib/workflow-form.js),
// and the runs, newest first, with their status (refreshed every few seconds). Starting a
// run opens its page, where its timeline goes on live.
import { api } from "../api.js";
import { h } from "../dom.js";
import { useStylesheet } from "../lib/stylesheet.js";
import { parseRunInput, workflowInputFields } from "../lib/workflow-form.js";

const RUNS_REFRESH_MS = 3000;
const RUN_STATUSES = ["running", "compensating", "cancelling", "completed", "failed", "compensated", "cancelled", "timed_out"];

/** The newest version of each workflow (the list holds every version). */
const latestByName = (items) => {
  const latest = new Map();
  for (const def of items) {
    const seen = latest.get(def.name);
    if (!seen || compareVersions(def.version, seen.version) > 0) latest.set(def.name, def);
  }
  return [...latest.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
};

const compareVersions = (a, b) => {
  const pa = String(a).split(/[.-]/).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const pb = String(b).split(/[.-]/).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if (pa[i] === pb[i]) continue;
    if (pa[i] === undefined) return -1;
    if (pb[i] === undefined) return 1;
    return pa[i] < pb[i] ? -1 : 1;
  }
  return 0;
};

const fieldInput = (field) => {
  const attrs = { id: `run-input-${field.name}`, name: field.name, "data-testid": `run-input-${field.name}`, required: true };
  if (field.kind === "enum") return h("select", attrs, ...field.options.map((o) => h("option", { value: o }, o)));
  if (field.kind === "boolean") return h("select", attrs, h("option", { value: "true" }, "true"), h("option", { value: "false" }, "false"));
  if (field.kind === "number" || field.kind === "integer") return h("input", { ...attrs, type: "number", step: field.kind === "integer" ? "1" : "any" });
  return h("input", { ...attrs, type: "text", placeholder: field.kind === "json" ? "JSON, or text" : "" });
};

const startForm = (def, agentTypes, onStarted) => {
  const fields = workflowInputFields(def, agentTypes);
  const problems = h("ul", { class: "error", role: "alert", "data-testid": "start-run-errors", hidden: true });
  const submit = h("button", { type: "submit", "data-testid": "start-run-submit" }, `Start ${def.name}`);
  const form = h(
    "form",
    { class: "start-run", "data-testid": "start-run-form", "data-workflow": def.name, novalidate: true },
    h("h2", {}, `Start a run of ${def.name}@${def.version}`),
    def.description ? h("p", { class: "muted" }, def.description) : null,
    ...fields.map((field) =>
      h("div", { class: "field" }, h("label", { for: `run-input-${field.name}` }, field.name, h("span", { class: "muted" }, ` ${field.kind === "enum" ? "one of" : field.kind}`)), fieldInput(field),
        field.description ? h("small", { class: "muted" }, field.description) : null),
    ),
    fields.length === 0 ? h("p", { class: "muted" }, "This workflow needs no input.") : null,
    submit,
    problems,
  );
  const showProblems = (errors) => {
    problems.hidden = errors.length === 0;
    problems.replaceChildren(...errors.map((e) => h("li", {}, `${e.path}: ${e.message}`)));
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(fields.map((f) => [f.name, form.elements.namedItem(f.name)?.value ?? ""]));
    const parsed = parseRunInput(fields, values);
    if (!parsed.ok) return showProblems(parsed.errors);
    showProblems([]);
    submit.disabled = true;
    try {
      const run = await api(`/v1/workflows/${encodeURIComponent(def.name)}/runs`, { method: "POST", query: { version: def.version }, body: parsed.input, headers: { "idempotency-key": crypto.randomUUID() } });
      onStarted(run);
    } catch (problem) {
      showProblems(problem.problem?.errors?.length ? problem.problem.errors : [{ path: "run", message: problem.message }]);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
};

const runsTable = (runs) =>
  runs.length === 0
    ? h("p", { class: "muted" }, "No runs yet.")
    : h(
        "table",
        { "data-testid": "runs-table" },
        h("thead", {}, h("tr", {}, ...["Run", "Workflow", "Status", "Started", "Updated"].map((t) => h("th", {}, t)))),
        h("tbody", {}, ...runs.map((run) =>
          h("tr", { "data-testid": "run-row", "data-run": run.id, "data-status": run.status },
            h("td", {}, h("a", { href: `/dashboard/runs/${encodeURIComponent(run.id)}` }, h("code", {}, run.id))),
            h("td", {}, `${run.workflow}@${run.version}`),
            h("td", {}, h("span", { class: `badge status-${run.status}` }, run.status)),
            h("td", {}, run.createdAt),
            h("td", {}, run.updatedAt)))),
      );

export const render = (root, ctx) => {
  useStylesheet("/dashboard/css/flows.css");
  let timer = null;
  let stopped = false;
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const list = h("div", {});
  const formSlot = h("div", {});
  const runs = h("div", {});
  const statusFilter = h("select", { "data-testid": "runs-status-filter" }, h("option", { value: "" }, "any status"), ...RUN_STATUSES.map((s) => h("option", { value: s }, s)));
  root.replaceChildren(h("h1", {}, "Workflows"), error, list, formSlot, h("h2", {}, "Runs ", statusFilter), runs);
  const fail = (problem) => {
    error.hidden = false;
    error.textContent = problem.message;
  };
  const open = (run) => ctx.navigate(`/dashboard/runs/${encodeURIComponent(run.id)}`);

  const loadRuns = async () => {
    timer = null;
    try {
      const status = statusFilter.value;
      const page = await api("/v1/runs", { query: { limit: 50, status }, signal: ctx.signal });
      if (stopped) return;
      runs.replaceChildren(runsTable(page.items));
    } catch (problem) {
      if (!stopped) fail(problem);
    }
    if (!stopped) timer = setTimeout(loadRuns, RUNS_REFRESH_MS);
  };
  statusFilter.addEventListener("change", () => {
    if (timer !== null) clearTimeout(timer);
    loadRuns();
  });

  const loadWorkflows = async () => {
    try {
      const [workflows, types] = await Promise.all([api("/v1/workflows", { signal: ctx.signal }), api("/v1/agent-types", { signal: ctx.signal }).catch(() => ({ items: [] }))]);
      if (stopped) return;
      const defs = latestByName(workflows.items);
      const choose = (def) => formSlot.replaceChildren(startForm(def, types.items, open));
      list.replaceChildren(
        h("table", { "data-testid": "workflows-table" },
          h("thead", {}, h("tr", {}, ...["Workflow", "Version", "Description", "Inputs", ""].map((t) => h("th", {}, t)))),
          h("tbody", {}, ...defs.map((def) => {
            const button = h("button", { type: "button", "data-testid": "choose-workflow", "data-workflow": def.name }, "Start a run");
            button.addEventListener("click", () => choose(def));
            return h("tr", { "data-testid": "workflow-row", "data-workflow": def.name },
              h("td", {}, def.name), h("td", {}, def.version), h("td", {}, def.description ?? ""), h("td", {}, (def.input?.required ?? []).join(", ")), h("td", {}, button));
          }))),
      );
      const wanted = new URLSearchParams(location.search).get("workflow");
      const first = defs.find((d) => d.name === wanted) ?? defs[0];
      if (first) choose(first);
    } catch (problem) {
      if (!stopped) fail(problem);
    }
  };

  loadWorkflows();
  loadRuns();
  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
  };
};
