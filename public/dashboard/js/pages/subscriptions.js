// Subscriptions (/dashboard/subscriptions): each subscription's status, target, cursor
// and lag per stream, latest error and dead letters, with pause, resume and replay (the
// existing routes: POST /v1/subscriptions/:id/pause|resume, POST /v1/streams/:s/replay),
// and its dead letters read from its `dlq.*` stream. Refreshed every few seconds.
import { api } from "../api.js";
import { h } from "../dom.js";
import { useStylesheet } from "../lib/stylesheet.js";
import { subscriptionSummary } from "../lib/subscription-summary.js";

const REFRESH_MS = 5000;

const streamsCell = (s) =>
  s.streams.length === 0
    ? h("span", { class: "muted" }, "no stream yet")
    : h("ul", { class: "plain" }, ...s.streams.map((st) => h("li", {}, h("a", { href: `/dashboard/streams?stream=${encodeURIComponent(st.stream)}` }, st.stream), ` cursor ${st.cursor} / ${st.last}, lag ${st.lag}`)));

const replayForm = (s, act) => {
  const stream = h("select", { name: "stream", "data-testid": "replay-stream" }, ...s.streams.map((st) => h("option", { value: st.stream }, st.stream)));
  const from = h("input", { name: "from", type: "number", min: "1", value: "1", "data-testid": "replay-from", required: true });
  const to = h("input", { name: "to", type: "number", min: "1", placeholder: "end", "data-testid": "replay-to" });
  const form = h("form", { class: "inline", "data-testid": "replay-form" }, "Replay ", stream, " from ", from, " to ", to, " ", h("button", { type: "submit", "data-testid": "replay-submit" }, "Replay"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { subscription: s.id, from: Number(from.value) };
    if (to.value !== "") body.to = Number(to.value);
    act(`POST`, `/v1/streams/${encodeURIComponent(stream.value)}/replay`, body, (r) => `replay ${r.id} scheduled: ${r.from}-${r.to}`);
  });
  return s.streams.length > 0 ? form : null;
};

const deadLetterList = (page) =>
  page.items.length === 0
    ? h("p", { class: "muted" }, "No dead letters.")
    : h("table", { "data-testid": "dead-letters" },
        h("thead", {}, h("tr", {}, ...["#", "At", "Event", "Error"].map((t) => h("th", {}, t)))),
        h("tbody", {}, ...page.items.map((letter) =>
          h("tr", {}, h("td", {}, String(letter.sequence)), h("td", {}, letter.time ?? ""),
            h("td", {}, `${letter.data?.event?.type ?? "?"} ${letter.data?.event?.stream ?? ""}#${letter.data?.event?.sequence ?? "?"}`),
            h("td", { class: "error" }, letter.data?.error ?? "")))));

export const render = (root, ctx) => {
  useStylesheet("/dashboard/css/flows.css");
  let timer = null;
  let stopped = false;
  const message = h("p", { role: "status", "data-testid": "subscriptions-message" });
  const table = h("div", {});
  const letters = h("div", { "data-testid": "dead-letters-panel" });
  root.replaceChildren(h("h1", {}, "Subscriptions"), message, table, letters);
  const say = (text, isError = false) => {
    message.textContent = text;
    message.className = isError ? "error" : "muted";
  };

  const act = async (method, path, body, done) => {
    try {
      const answer = await api(path, { method, body, signal: ctx.signal });
      say(done(answer));
      await load(true);
    } catch (problem) {
      say(problem.message, true);
    }
  };

  const showDeadLetters = async (s) => {
    try {
      const page = await api(`/v1/streams/${encodeURIComponent(s.deadLetterStream)}/events`, { query: { from: 1, limit: 100 }, signal: ctx.signal });
      letters.replaceChildren(h("h2", {}, `Dead letters of ${s.id} `, h("a", { href: `/dashboard/streams?stream=${encodeURIComponent(s.deadLetterStream)}` }, s.deadLetterStream)), deadLetterList(page));
    } catch (problem) {
      say(problem.message, true);
    }
  };

  const row = (s) => {
    const paused = s.status === "paused";
    const toggle = h("button", { type: "button", "data-testid": paused ? "subscription-resume" : "subscription-pause" }, paused ? "Resume" : "Pause");
    toggle.addEventListener("click", () => act("POST", `/v1/subscriptions/${encodeURIComponent(s.id)}/${paused ? "resume" : "pause"}`, undefined, (v) => `${v.id} is ${v.status}`));
    const dead = h("button", { type: "button", "data-testid": "subscription-dead-letters" }, `Dead letters (${s.deadLetters})`);
    dead.addEventListener("click", () => showDeadLetters(s));
    return h("tr", { "data-testid": "subscription-row", "data-subscription": s.id, "data-status": s.status },
      h("td", {}, h("code", {}, s.id), h("div", { class: "muted" }, s.patterns.join(", "))),
      h("td", {}, h("span", { class: `badge status-${s.status}` }, s.status), s.suspended ? h("span", { class: "badge status-failed" }, s.suspended) : null),
      h("td", {}, s.target),
      h("td", {}, streamsCell(s)),
      h("td", { "data-testid": "subscription-lag" }, String(s.lag)),
      h("td", {}, s.lastError ? h("span", { class: "error" }, `${s.lastError.message} (${s.lastError.stream}#${s.lastError.sequence}, ${s.lastError.at})`) : h("span", { class: "muted" }, "-")),
      h("td", {}, toggle, " ", dead, replayForm(s, act)));
  };

  const load = async (force = false) => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    try {
      const page = await api("/v1/subscriptions", { query: { limit: 100 }, signal: ctx.signal });
      if (stopped) return;
      const summaries = page.items.map(subscriptionSummary);
      // A periodic refresh must not wipe what the user is typing into a replay form.
      const typing = table.contains(document.activeElement) && ["INPUT", "SELECT"].includes(document.activeElement?.tagName ?? "");
      if (force || !typing) {
        table.replaceChildren(summaries.length === 0
          ? h("p", { class: "muted" }, "No subscriptions. Create one with POST /v1/subscriptions (see the README).")
          : h("table", { "data-testid": "subscriptions-table" },
              h("thead", {}, h("tr", {}, ...["Subscription", "Status", "Target", "Cursor per stream", "Lag", "Last error", ""].map((t) => h("th", {}, t)))),
              h("tbody", {}, ...summaries.map(row))));
      }
    } catch (problem) {
      if (!stopped) say(problem.message, true);
    }
    if (!stopped) timer = setTimeout(() => load(), REFRESH_MS);
  };

  load(true);
  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
  };
};
