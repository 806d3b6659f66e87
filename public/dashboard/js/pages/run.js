// One run (/dashboard/runs/<id>): its status, roles and every step on a timeline (offset
// and duration bars, attempts, compensation, the agent that served the step and its
// discovery score, rebinds), updated live while the run goes on. Live updates follow
// GET /v1/runs/:id/live (the run's transitions as Server-Sent Events, read with fetch()
// so the token stays in a header; `runs:read` is all it takes) and re-read GET
// /v1/runs/:id after each burst of transitions: the run view is the whole picture, and
// the coordinator persists a transition before publishing it. The stream ends after the
// run's final transition; a dropped one resumes with Last-Event-ID. Only when the stream
// cannot be opened does the page poll GET /v1/runs/:id once a second instead.
import { api, getToken } from "../api.js";
import { h } from "../dom.js";
import { readSse } from "../lib/sse.js";
import { useStylesheet } from "../lib/stylesheet.js";
import { barGeometry, formatDuration, isFinalRunStatus, timelineRows, timelineSpanMs } from "../lib/run-timeline.js";

const POLL_MS = 1000;
/** How long to wait before reopening a live stream that dropped before the run ended. */
const RESUME_MS = 1000;

const statusBadge = (status, testid) => h("span", { class: `badge status-${status}`, "data-testid": testid, "data-status": status }, status);

const agentCell = (row) =>
  row.agent === null
    ? h("span", { class: "muted" }, "-")
    : h("span", {}, h("a", { href: `/dashboard/agents/${encodeURIComponent(row.agent)}` }, row.agent), row.score !== null ? h("span", { class: "muted" }, ` score ${row.score.toFixed(2)}${row.how ? ` (${row.how})` : ""}`) : null);

const barCell = (row, span) => {
  const bar = h("div", { class: `bar status-${row.status}${row.running ? " running" : ""}` });
  const geometry = barGeometry(row, span);
  // CSSOM properties, not a style attribute: the dashboard's CSP refuses inline styles.
  if (geometry) {
    bar.style.setProperty("left", `${geometry.left}%`);
    bar.style.setProperty("width", `${geometry.width}%`);
  } else bar.hidden = true;
  return h("div", { class: "track" }, bar);
};

const compensationCell = (row) =>
  row.compensation ? h("span", {}, statusBadge(row.compensation.status), ` ${row.compensation.attempts} attempt(s)`, row.compensation.error ? h("div", { class: "error" }, row.compensation.error) : null) : h("span", { class: "muted" }, "-");

const timeline = (run) => {
  const rows = timelineRows(run);
  const span = timelineSpanMs(rows);
  return h(
    "table",
    { class: "timeline", "data-testid": "run-timeline" },
    h("thead", {}, h("tr", {}, ...["Step", "Status", `Timeline (${formatDuration(span)})`, "Duration", "Attempts", "Agent", "Compensation"].map((t) => h("th", {}, t)))),
    h(
      "tbody",
      {},
      ...rows.map((row) =>
        h(
          "tr",
          { "data-testid": "timeline-row", "data-step": row.name, "data-status": row.status },
          h("td", {}, row.name, row.kind === "await" ? h("span", { class: "muted" }, " (await)") : null, row.error ? h("div", { class: "error" }, row.error) : null,
            ...row.rebinds.map((r) => h("div", { class: "muted" }, `rebound ${r.from} -> ${r.to} (${r.reason}, attempt ${r.attempt})`))),
          h("td", {}, statusBadge(row.status, "step-status")),
          h("td", { class: "bar-cell" }, barCell(row, span)),
          h("td", {}, formatDuration(row.durationMs)),
          h("td", {}, String(row.attempts)),
          h("td", {}, agentCell(row)),
          h("td", {}, compensationCell(row)),
        ),
      ),
    ),
  );
};

const rolesTable = (run) => {
  const roles = Object.entries(run.roles ?? {});
  if (roles.length === 0) return null;
  return h(
    "table",
    { class: "roles" },
    h("thead", {}, h("tr", {}, h("th", {}, "Role"), h("th", {}, "Bound"), h("th", {}, "Spares"))),
    h("tbody", {}, ...roles.map(([role, binding]) => {
      const names = (list) => (Array.isArray(list) ? list.map((a) => `${a.id}${typeof a.score === "number" ? ` (${a.score.toFixed(2)})` : ""}`).join(", ") : "");
      return h("tr", {}, h("td", {}, role), h("td", {}, names(binding?.agents) || (run.bindings?.[role] ?? []).join(", ") || "-"), h("td", {}, names(binding?.spares) || "-"));
    })),
  );
};

export const render = (root, ctx) => {
  useStylesheet("/dashboard/css/flows.css");
  const id = ctx.id;
  let timer = null;
  let stopped = false;
  let following = "";
  const status = h("span", {});
  const header = h("div", { class: "run-header" });
  const body = h("div", {});
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const live = h("span", { class: "muted", "data-testid": "run-live" });
  const cancel = h("button", { type: "button", "data-testid": "run-cancel", hidden: true }, "Cancel run");
  root.replaceChildren(h("h1", {}, "Run ", h("code", {}, id)), header, h("p", {}, status, " ", live, " ", cancel), error, body);

  const show = (run) => {
    status.replaceChildren("Status ", statusBadge(run.status, "run-status"));
    const final = isFinalRunStatus(run.status);
    live.textContent = final ? "" : following;
    cancel.hidden = final || run.status !== "running";
    header.replaceChildren(
      h("dl", { class: "facts" },
        h("dt", {}, "Workflow"), h("dd", {}, `${run.workflow}@${run.version}`),
        h("dt", {}, "Started"), h("dd", {}, run.createdAt),
        h("dt", {}, "Updated"), h("dd", {}, run.updatedAt),
        h("dt", {}, "Input"), h("dd", {}, h("code", {}, JSON.stringify(run.input))),
        run.failure ? [h("dt", {}, "Failure"), h("dd", { class: "error" }, `${run.failure.type} at ${run.failure.step ?? "run"}: ${run.failure.detail} (${run.failure.outcome})`)] : null,
        run.onTimeout ? [h("dt", {}, "On timeout"), h("dd", {}, `${run.onTimeout.status}, ${run.onTimeout.attempts} attempt(s)`)] : null),
    );
    body.replaceChildren(h("h2", {}, "Steps"), timeline(run), h("h2", {}, "Roles"), rolesTable(run) ?? h("p", { class: "muted" }, "No roles bound."));
  };

  /** Reads and shows the run; answers it, or throws the problem (also shown). */
  const load = async () => {
    try {
      const run = await api(`/v1/runs/${encodeURIComponent(id)}`, { signal: ctx.signal });
      if (!stopped) {
        error.hidden = true;
        show(run);
      }
      return run;
    } catch (problem) {
      if (!stopped) {
        error.hidden = false;
        error.textContent = problem.message;
      }
      throw problem;
    }
  };

  /** The fallback when the live stream cannot be opened: a read every second until the run ends. */
  const poll = async () => {
    timer = null;
    if (stopped) return;
    try {
      const run = await load();
      if (!isFinalRunStatus(run.status)) timer = setTimeout(poll, POLL_MS);
    } catch (problem) {
      // A run not found stays not found; anything else (a restart, a 503) is tried again.
      if (!stopped && problem.status !== 404 && problem.status !== 403) timer = setTimeout(poll, POLL_MS * 3);
    }
  };

  // Transitions come in bursts (a step completes, the next starts): one read after the
  // burst shows them all, so reads are not queued one per transition.
  let reading = false;
  let dirty = false;
  const onTransition = async () => {
    dirty = true;
    if (reading) return;
    reading = true;
    while (dirty && !stopped) {
      dirty = false;
      await load().catch(() => {});
    }
    reading = false;
  };

  /** Follows the run's live stream until it ends after the final transition (resuming a dropped one); else polls. */
  const follow = async () => {
    let lastEventId = "";
    while (!stopped) {
      /** @type {Response | null} */
      let response = null;
      try {
        // The token goes in the header, as api() sends it; never in the URL.
        response = await fetch(`/v1/runs/${encodeURIComponent(id)}/live`, {
          headers: { accept: "text/event-stream", authorization: `Bearer ${getToken()}`, ...(lastEventId ? { "last-event-id": lastEventId } : {}) },
          signal: ctx.signal,
          credentials: "omit",
        });
      } catch {
        response = null;
      }
      if (stopped) return;
      if (!response?.ok) {
        await response?.body?.cancel().catch(() => {});
        following = live.textContent = "live: refreshed every second";
        return poll();
      }
      following = live.textContent = "live: following its transitions";
      try {
        await readSse(response, (message) => {
          if (message.event !== "cloudevent") return;
          lastEventId = message.id;
          onTransition();
        }, ctx.signal);
      } catch {
        // The connection dropped: the run is read again, and the stream resumed after the last event.
      }
      if (stopped) return;
      const run = await load().catch(() => null);
      if (run && isFinalRunStatus(run.status)) return;
      await new Promise((resolve) => setTimeout(resolve, RESUME_MS));
    }
  };

  const start = async () => {
    try {
      const run = await load();
      if (!isFinalRunStatus(run.status)) follow();
    } catch (problem) {
      if (!stopped && problem.status !== 404 && problem.status !== 403) timer = setTimeout(poll, POLL_MS * 3);
    }
  };

  cancel.addEventListener("click", async () => {
    cancel.disabled = true;
    try {
      show(await api(`/v1/runs/${encodeURIComponent(id)}/cancel`, { method: "POST", signal: ctx.signal }));
    } catch (problem) {
      error.hidden = false;
      error.textContent = problem.message;
    } finally {
      cancel.disabled = false;
    }
  });

  start();
  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
  };
};
