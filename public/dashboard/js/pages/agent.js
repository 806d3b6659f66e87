// @ts-check
// One agent: its state live over the WebSocket (../live-agent.js, the same module the
// typed client ships, opened with a single-use ticket from POST /v1/tickets), status,
// breaker and bulkhead, lifecycle buttons, "call an action" with a form generated from the
// action's input schema (the agent type's, GET /v1/agent-types/:type), grants, schedules,
// and its recent events (the tail of a stream, filtered by source agent/<type>/<id>).
// Each card asks the API on its own: a 403 shows "not permitted (needs ...)" there.
//
// Test ids: agent-header, agent-status (agent-status-value: running/paused/...),
// agent-live (agent-live-state: the state as JSON, its data-version attribute the state
// version; agent-live-status: connecting/live/closed), agent-lifecycle (agent-pause,
// agent-resume, agent-stop, agent-start, agent-checkpoint, agent-lifecycle-result),
// agent-call (agent-call-action, agent-call-form, agent-call-field-<name> per input field,
// agent-call-submit, agent-call-result), agent-grants, agent-schedules, agent-events
// (agent-events-stream, agent-events-refresh, agent-events-list).
import { LiveAgent } from "../live-agent.js";
import { ApiError, api } from "../api.js";
import { fill, h, json, problemNote, section, table } from "../dom.js";
import { fieldsOf, inputFrom } from "../lib/schema-form.js";

const STATUS_MS = 5_000;
const RECENT_EVENTS = 200;

const badge = (/** @type {string} */ status) => h("span", { class: `badge ${status}`, "data-testid": "agent-status-value" }, status);
const kv = (/** @type {[string, any][]} */ pairs) => h("dl", { class: "kv" }, pairs.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v ?? "–")]));

/** @param {HTMLElement} root @param {{ id: string, signal: AbortSignal, every: (ms: number, fn: () => unknown) => void }} ctx */
export const render = async (root, ctx) => {
  const id = ctx.id;
  const path = `/v1/agents/${encodeURIComponent(id)}`;
  const header = h("div", { "data-testid": "agent-header" }, h("h1", {}, id));
  const status = section("Status, breaker and bulkhead", "agent-status");
  const live = section("Live state", "agent-live");
  const lifecycle = section("Lifecycle", "agent-lifecycle");
  const call = section("Call an action", "agent-call");
  const grants = section("Grants", "agent-grants");
  const schedules = section("Schedules", "agent-schedules");
  const events = section("Recent events from this agent", "agent-events");
  root.append(header, h("div", { class: "grid" }, live.card, status.card, lifecycle.card, call.card, grants.card, schedules.card), events.card);

  // The agent itself: without it (404, or 403) the page says so and stops.
  /** @type {any} */
  let agent;
  try {
    agent = await api(path, { signal: ctx.signal });
  } catch (error) {
    root.replaceChildren(header, problemNote(error));
    return;
  }
  header.append(h("p", { class: "muted" }, `${agent.type} ${agent.version} · created ${agent.createdAt}`));
  /** @type {any} */
  let type = null;
  try {
    type = await api(`/v1/agent-types/${encodeURIComponent(agent.type)}`, { signal: ctx.signal });
  } catch (error) {
    // Without agent-types:read: no bulkhead figures and no generated forms (a JSON field instead).
    if (!(error instanceof ApiError && error.status === 403)) throw error;
  }

  // Status, breaker, bulkhead
  const drawStatus = (/** @type {any} */ a) => {
    agent = a;
    const bulkhead = type?.resilience?.bulkhead;
    status.body.replaceChildren(
      kv([
        ["status", badge(a.status)],
        ["state version", a.stateVersion],
        ["calls / failures", `${a.counters?.calls ?? 0} / ${a.counters?.failures ?? 0}`],
        ["last error", a.counters?.lastError ? JSON.stringify(a.counters.lastError) : null],
        ["breaker", h("span", { class: `badge ${a.breaker?.state}` }, a.breaker?.state ?? "?")],
        ["breaker failures", a.breaker?.failures],
        ["retry after", a.breaker?.retryAfterMs === null || a.breaker?.retryAfterMs === undefined ? null : `${a.breaker.retryAfterMs} ms`],
        ["bulkhead", bulkhead ? `${bulkhead.maxConcurrent} concurrent, ${bulkhead.maxQueue} queued at most` : type ? "none" : "(needs agent-types:read)"],
        ["outbox pending", a.outbox?.pending],
        ["supervision", a.supervision ? `${a.supervision.restart}, ${a.supervision.restarts} restarts` : null],
        ["labels", Object.entries(a.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(", ") || null],
      ]),
    );
    for (const [verb, button] of Object.entries(buttons)) button.disabled = !allowed(verb, a.status);
  };
  const refreshStatus = () => fill(status.body, async () => {
    drawStatus(await api(path, { signal: ctx.signal }));
    return [...status.body.childNodes];
  });

  // Lifecycle
  const result = h("div", { "data-testid": "agent-lifecycle-result" });
  /** @param {string} verb @param {string} state */
  const allowed = (verb, state) =>
    ({ pause: state === "running", resume: state === "paused", stop: state === "running" || state === "paused", start: state === "stopped", checkpoint: true })[verb] ?? true;
  /** @type {Record<string, HTMLButtonElement>} */
  const buttons = {};
  for (const verb of ["pause", "resume", "stop", "start", "checkpoint"]) {
    const button = /** @type {HTMLButtonElement} */ (h("button", { type: "button", "data-testid": `agent-${verb}` }, verb));
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const answer = await api(`${path}/${verb}`, { method: "POST" });
        if (verb === "checkpoint") {
          const text = JSON.stringify(answer);
          const href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
          result.replaceChildren(h("p", { class: "ok" }, `checkpoint taken (${text.length} bytes) `, h("a", { href, download: `${id}.checkpoint.json` }, "download")));
        } else result.replaceChildren(h("p", { class: "ok" }, `${verb}: ${answer?.status ?? "done"}`));
      } catch (error) {
        result.replaceChildren(problemNote(error));
      }
      await refreshStatus();
    });
    buttons[verb] = button;
  }
  lifecycle.body.append(h("div", { class: "toolbar" }, Object.values(buttons)), result);
  drawStatus(agent);
  ctx.every(STATUS_MS, refreshStatus);

  // Live state
  const liveStatus = h("p", { class: "muted", "data-testid": "agent-live-status" }, "connecting");
  const liveState = h("pre", { class: "json", "data-testid": "agent-live-state" });
  live.body.append(liveStatus, liveState);
  const socketUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}/live`;
  const copy = new LiveAgent({
    url: socketUrl,
    ticket: async () => (await api("/v1/tickets", { method: "POST", body: { agent: id, scope: "read" } })).ticket,
  });
  copy.subscribe(({ state, version }) => {
    liveState.textContent = JSON.stringify(state, null, 2);
    liveState.dataset.version = String(version);
    liveStatus.textContent = `live · version ${version}`;
  });
  copy.onclose = (code) => {
    liveStatus.textContent = `closed (${code})`;
  };
  copy.onerror = (reason) => {
    liveStatus.textContent = `reconnecting (${reason instanceof Error ? reason.message : "connection lost"})`;
  };
  copy.connect().catch((error) => live.body.replaceChildren(problemNote(error)));

  // Call an action
  drawCall(call.body, path, type);

  // Grants and schedules
  void fill(grants.body, async () => {
    const list = await api(`${path}/grants`, { signal: ctx.signal });
    return table(
      [
        ["name", (g) => g.name],
        ["constraints", (g) => (g.constraints ? JSON.stringify(g.constraints) : "")],
        ["expires", (g) => g.expires_at ?? g.expiresAt ?? ""],
      ],
      list.items,
      "no grants",
    );
  });
  void fill(schedules.body, async () => {
    const list = await api(`${path}/schedules`, { signal: ctx.signal });
    return table(
      [
        ["id", (s) => s.id],
        ["when", (s) => s.cron ?? s.every ?? s.at ?? JSON.stringify(s.when ?? s.schedule ?? "")],
        ["action", (s) => s.action],
        ["next", (s) => s.nextRunAt ?? s.nextAt ?? ""],
      ],
      list.items,
      "no schedules",
    );
  });

  // Recent events: the tail of a stream (its name defaults to the agent's type), by source.
  const streamInput = h("input", { "data-testid": "agent-events-stream", value: agent.type, placeholder: "stream" });
  const refresh = h("button", { type: "submit", "data-testid": "agent-events-refresh" }, "Read");
  const eventList = h("div", { "data-testid": "agent-events-list" });
  const eventsForm = h("form", { class: "inline" }, h("label", {}, "stream", streamInput), refresh);
  events.body.append(eventsForm, eventList);
  const source = `agent/${agent.type}/${id}`;
  const readEvents = () =>
    fill(eventList, async () => {
      const stream = encodeURIComponent(/** @type {HTMLInputElement} */ (streamInput).value.trim());
      const info = await api(`/v1/streams/${stream}`, { signal: ctx.signal });
      const from = Math.max(info.first ?? 1, (info.last ?? 0) - RECENT_EVENTS + 1, 1);
      const page = info.last ? await api(`/v1/streams/${stream}/events`, { query: { from, limit: RECENT_EVENTS }, signal: ctx.signal }) : { items: [] };
      const mine = page.items.filter((/** @type {any} */ e) => e.source === source).reverse();
      return [
        h("p", { class: "muted" }, `source ${source}: ${mine.length} of the last ${page.items.length} events of the stream`),
        table(
          [
            ["seq", (e) => e.sequence],
            ["time", (e) => e.time],
            ["type", (e) => e.type],
            ["data", (e) => json(e.data ?? e.data_base64 ?? null)],
          ],
          mine,
          "no recent events from this agent",
        ),
      ];
    });
  eventsForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void readEvents();
  });
  void readEvents();

  return () => copy.close();
};

/**
 * The "call an action" form: a select of the type's actions and, per action, fields from
 * its input schema; the answer (or the problem) below.
 * @param {HTMLElement} body @param {string} path @param {any} type
 */
const drawCall = (body, path, type) => {
  const actions = Object.entries(type?.actions ?? {});
  const select = /** @type {HTMLSelectElement} */ (h("select", { "data-testid": "agent-call-action" }, actions.map(([name]) => h("option", { value: name }, name))));
  const nameInput = /** @type {HTMLInputElement} */ (h("input", { "data-testid": "agent-call-action", placeholder: "action" }));
  const fieldsBox = h("div", { class: "stack" });
  const answer = h("div", { "data-testid": "agent-call-result" });
  const form = h("form", { class: "stack", "data-testid": "agent-call-form" }, h("label", {}, "action", type ? select : nameInput), fieldsBox, h("button", { type: "submit", class: "primary", "data-testid": "agent-call-submit" }, "Call"), answer);
  body.append(form);
  const description = h("p", { class: "muted" });

  /** @type {ReturnType<typeof fieldsOf>} */
  let fields = [];
  /** @type {Map<string, HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>} */
  const inputs = new Map();
  const drawFields = () => {
    const action = type?.actions?.[select.value];
    fields = fieldsOf(type ? action?.input : undefined);
    inputs.clear();
    description.textContent = action?.description ?? "";
    fieldsBox.replaceChildren(
      description,
      ...fields.map((field) => {
        const testid = `agent-call-field-${field.name || "input"}`;
        const attrs = { "data-testid": testid, name: field.name, required: field.required && field.kind !== "boolean" };
        /** @type {any} */
        let input;
        if (field.kind === "boolean") input = h("input", { ...attrs, type: "checkbox", checked: field.defaultValue === true });
        else if (field.kind === "enum") input = h("select", attrs, field.required ? null : h("option", { value: "" }, ""), (field.options ?? []).map((o) => h("option", { value: String(o) }, String(o))));
        else if (field.kind === "json") input = h("textarea", { ...attrs, placeholder: "JSON" });
        else input = h("input", { ...attrs, type: field.kind === "string" ? "text" : "number", step: field.kind === "integer" ? "1" : "any", value: field.defaultValue === undefined ? "" : String(field.defaultValue) });
        inputs.set(field.name, input);
        const label = `${field.name || "input"} (${field.kind}${field.required ? ", required" : ""})`;
        return h("label", { class: field.kind === "boolean" ? "check" : undefined, title: field.description }, field.kind === "boolean" ? [input, label] : [label, input]);
      }),
    );
  };
  select.addEventListener("change", drawFields);
  drawFields();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    /** @type {Record<string, string | boolean>} */
    const values = {};
    for (const [name, input] of inputs) values[name] = input instanceof HTMLInputElement && input.type === "checkbox" ? input.checked : input.value;
    const input = inputFrom(fields, values);
    if (!input.ok) {
      answer.replaceChildren(h("ul", { class: "error" }, input.errors.map((e) => h("li", {}, `${e.path}: ${e.message}`))));
      return;
    }
    const action = type ? select.value : nameInput.value.trim();
    answer.replaceChildren(h("p", { class: "muted" }, "calling..."));
    try {
      const output = await api(`${path}/actions/${encodeURIComponent(action)}`, {
        method: "POST",
        body: input.value ?? {},
        headers: { "idempotency-key": crypto.randomUUID() },
      });
      answer.replaceChildren(h("p", { class: "ok" }, `${action} answered:`), json(output));
    } catch (error) {
      answer.replaceChildren(problemNote(error));
    }
  });
};
