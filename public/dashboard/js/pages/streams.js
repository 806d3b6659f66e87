// Streams (/dashboard/streams): pick a stream (those the tenant's subscriptions read, the
// platform's, or any name typed in), see its info, read it in order from a sequence
// (GET /v1/streams/:s/events, page by page), and follow its live tail. The tail is the
// SSE form of GET /v1/streams/:s/tail read with fetch() (lib/sse.js): EventSource cannot
// send the Authorization header and a token never goes into a URL. A tail that ends
// (the server closes it when a read fails) resumes after the last event it showed.
import { api, getToken } from "../api.js";
import { h } from "../dom.js";
import { useStylesheet } from "../lib/stylesheet.js";
import { readSse } from "../lib/sse.js";
import { knownStreams, subscriptionSummary } from "../lib/subscription-summary.js";

const PLATFORM_STREAMS = ["audit", "config", "workflow"];
const TAIL_KEEP = 200;
const RESUME_MS = 1000;

const eventRow = (event) =>
  h("tr", { "data-testid": "stream-event", "data-sequence": String(event.sequence) },
    h("td", {}, String(event.sequence)),
    h("td", {}, event.time ?? ""),
    h("td", {}, h("code", {}, event.type ?? "")),
    h("td", {}, event.source ?? ""),
    h("td", {}, event.subject ?? ""),
    h("td", {}, h("code", { class: "clip" }, JSON.stringify(event.data ?? event.data_base64 ?? null))));

const eventsTable = (testid, rows) =>
  h("table", { "data-testid": testid },
    h("thead", {}, h("tr", {}, ...["#", "Time", "Type", "Source", "Subject", "Data"].map((t) => h("th", {}, t)))),
    h("tbody", {}, ...rows));

export const render = (root, ctx) => {
  useStylesheet("/dashboard/css/flows.css");
  const params = new URLSearchParams(location.search);
  let tail = null;
  const name = h("input", { id: "stream-name", name: "stream", list: "known-streams", required: true, value: params.get("stream") ?? "", placeholder: "order", "data-testid": "stream-name" });
  const known = h("datalist", { id: "known-streams" });
  const from = h("input", { id: "stream-from", name: "from", type: "number", min: "1", value: params.get("from") ?? "1", "data-testid": "stream-from" });
  const read = h("button", { type: "submit", "data-testid": "stream-read" }, "Read");
  const follow = h("button", { type: "button", "data-testid": "stream-tail" }, "Live tail");
  const info = h("p", { class: "muted", "data-testid": "stream-info" });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const readSlot = h("div", {});
  const tailState = h("span", { class: "muted", "data-testid": "stream-tail-state" });
  const tailBody = h("tbody", {});
  const tailSection = h("section", { hidden: true }, h("h2", {}, "Live tail ", tailState), h("table", { "data-testid": "stream-tail-events" },
    h("thead", {}, h("tr", {}, ...["#", "Time", "Type", "Source", "Subject", "Data"].map((t) => h("th", {}, t)))), tailBody));
  const form = h("form", { class: "inline", "data-testid": "stream-form" },
    h("label", { for: "stream-name" }, "Stream "), name, known, " ", h("label", { for: "stream-from" }, "from "), from, " ", read, " ", follow);
  root.replaceChildren(h("h1", {}, "Streams"), form, info, error, tailSection, readSlot);

  const fail = (problem) => {
    error.hidden = false;
    error.textContent = problem.message;
  };
  const remember = () => {
    const url = new URL(location.href);
    url.searchParams.set("stream", name.value.trim());
    url.searchParams.set("from", from.value || "1");
    history.replaceState(history.state, "", url);
  };

  const showInfo = async (stream) => {
    const i = await api(`/v1/streams/${encodeURIComponent(stream)}`, { signal: ctx.signal });
    info.textContent = `${i.stream}: ${i.length} event(s), sequences ${i.first ?? "-"} to ${i.last}; subscriptions: ${i.subscriptions.join(", ") || "none"}`;
    return i;
  };

  const readFrom = async (stream, start) => {
    error.hidden = true;
    try {
      await showInfo(stream);
      const page = await api(`/v1/streams/${encodeURIComponent(stream)}/events`, { query: { from: start, limit: 100 }, signal: ctx.signal });
      const more = h("button", { type: "button", "data-testid": "stream-next", hidden: page.next === null }, `Read on from ${page.next}`);
      more.addEventListener("click", () => {
        from.value = String(page.next);
        remember();
        readFrom(stream, page.next);
      });
      readSlot.replaceChildren(h("h2", {}, `From ${start}`), page.items.length === 0 ? h("p", { class: "muted" }, "No events from there.") : eventsTable("stream-events", page.items.map(eventRow)), more);
    } catch (problem) {
      fail(problem);
    }
  };

  const stopTail = () => {
    tail?.abort();
    tail = null;
    follow.textContent = "Live tail";
    tailState.textContent = "stopped";
  };

  const startTail = async (stream) => {
    stopTail();
    const controller = new AbortController();
    tail = controller;
    follow.textContent = "Stop tail";
    tailSection.hidden = false;
    tailBody.replaceChildren();
    let next = null;
    try {
      next = (await showInfo(stream)).last + 1;
    } catch (problem) {
      fail(problem);
      return stopTail();
    }
    while (!controller.signal.aborted) {
      tailState.textContent = `following ${stream} from ${next}`;
      try {
        // The token goes in the header, as api() sends it; never in the URL.
        const response = await fetch(`/v1/streams/${encodeURIComponent(stream)}/tail?from=${next}`, {
          headers: { accept: "text/event-stream", authorization: `Bearer ${getToken()}` },
          signal: controller.signal,
          credentials: "omit",
        });
        if (!response.ok) {
          const problem = await response.json().catch(() => ({}));
          throw Object.assign(new Error(problem.detail ?? problem.title ?? `tail answered ${response.status}`), { status: response.status });
        }
        tailState.textContent = `live: ${stream}`;
        await readSse(response, (message) => {
          if (message.event !== "cloudevent") return;
          const event = JSON.parse(message.data);
          next = Number(event.sequence) + 1;
          tailBody.prepend(eventRow(event));
          while (tailBody.childElementCount > TAIL_KEEP) tailBody.lastElementChild?.remove();
        }, controller.signal);
      } catch (problem) {
        if (controller.signal.aborted) break;
        if (problem.status >= 400 && problem.status < 500) {
          fail(problem);
          return stopTail();
        }
      }
      if (!controller.signal.aborted) await new Promise((resolve) => setTimeout(resolve, RESUME_MS));
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const stream = name.value.trim();
    if (!stream) return;
    remember();
    readFrom(stream, Math.max(1, Number(from.value) || 1));
  });
  follow.addEventListener("click", () => {
    const stream = name.value.trim();
    if (tail) return stopTail();
    if (!stream) return name.reportValidity();
    remember();
    startTail(stream);
  });

  // The streams to offer: those the subscriptions read, and the platform's.
  api("/v1/subscriptions", { query: { limit: 100 }, signal: ctx.signal })
    .then((page) => page.items.map(subscriptionSummary))
    .catch(() => [])
    .then((summaries) => known.replaceChildren(...knownStreams(summaries, PLATFORM_STREAMS).map((s) => h("option", { value: s }))));

  if (name.value.trim()) readFrom(name.value.trim(), Math.max(1, Number(from.value) || 1));
  return () => tail?.abort();
};
