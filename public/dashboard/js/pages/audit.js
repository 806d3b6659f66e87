// @ts-check
// Audit: denied requests, newest first, from the tenant's `audit` stream (GET
// /v1/streams/audit; needs events:read:audit). "Older" reads the page before; the
// newest are read again every 10 s. A filter narrows the rows shown by who, what or resource.
//
// Test ids: audit-list (the card), audit-filter, audit-rows (the table's holder),
// audit-older, audit-count.
import { api } from "../api.js";
import { fill, h, section, table } from "../dom.js";

const PAGE = 100;
const REFRESH_MS = 10_000;

/** @param {HTMLElement} root @param {{ signal: AbortSignal, every: (ms: number, fn: () => unknown) => void }} ctx */
export const render = async (root, ctx) => {
  const card = section("Denied requests", "audit-list");
  const filter = /** @type {HTMLInputElement} */ (h("input", { "data-testid": "audit-filter", placeholder: "filter: who, capability, resource", type: "search" }));
  const count = h("p", { class: "muted", "data-testid": "audit-count" });
  const rows = h("div", { "data-testid": "audit-rows" });
  const older = /** @type {HTMLButtonElement} */ (h("button", { type: "button", "data-testid": "audit-older", hidden: true }, "Older"));
  card.body.append(h("div", { class: "toolbar" }, h("label", {}, "filter", filter)), count, rows, older);
  root.append(h("h1", {}, "Audit"), card.card);

  /** Events by sequence, newest first when drawn. @type {Map<number, any>} */
  const seen = new Map();
  let oldest = Infinity;
  let first = 1;

  const draw = () => {
    const needle = filter.value.trim().toLowerCase();
    const all = [...seen.values()].sort((a, b) => b.sequence - a.sequence);
    const shown = needle ? all.filter((e) => JSON.stringify(e.data ?? {}).toLowerCase().includes(needle)) : all;
    count.textContent = `${shown.length} of ${all.length} denials read`;
    older.hidden = !(Number.isFinite(oldest) && oldest > first);
    return table(
      [
        ["time", (e) => e.time],
        ["who", (e) => e.data?.who],
        ["needs", (e) => e.data?.what],
        ["why", (e) => e.data?.why],
        ["resource", (e) => e.data?.resource],
      ],
      shown,
      "no denied requests",
    );
  };

  /** @param {number} from @param {number} to */
  const read = async (from, to) => {
    if (to < from) return;
    const page = await api("/v1/streams/audit/events", { query: { from, to, limit: PAGE }, signal: ctx.signal });
    for (const event of page.items) seen.set(event.sequence, event);
    oldest = Math.min(oldest, from);
  };

  ctx.every(REFRESH_MS, () =>
    fill(rows, async () => {
      const info = await api("/v1/streams/audit", { signal: ctx.signal });
      first = info.first ?? 1;
      const last = info.last ?? 0;
      let newest = Math.max(...seen.keys(), 0);
      if (newest > 0 && last - newest > PAGE) {
        // More came than a page since the last read: start again from the newest page.
        seen.clear();
        oldest = Infinity;
        newest = 0;
      }
      // The newest page (or what came since the last read, up to a page).
      await read(Math.max(first, newest + 1, last - PAGE + 1), last);
      return draw();
    }),
  );
  older.addEventListener("click", () =>
    fill(rows, async () => {
      await read(Math.max(first, oldest - PAGE), oldest - 1);
      return draw();
    }),
  );
  filter.addEventListener("input", () => rows.replaceChildren(draw()));
};
