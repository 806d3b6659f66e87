// @ts-check
// The browser's copy of the dashboard's page table (src/dashboard/pages.ts is the
// server's): which page module a /dashboard path shows, so links switch pages without
// reloading. A path it does not know is loaded from the server, which answers 404.

/** Nav pages: the path segment after /dashboard is the page's name. */
export const NAV_PAGES = ["overview", "agents", "streams", "subscriptions", "workflows", "audit"];
/** Detail pages: /dashboard/<collection>/<id> shows page <page> for one item. */
export const DETAIL_PAGES = { agents: "agent", runs: "run" };
/** The nav entry a detail page belongs to. */
export const NAV_OF = { agent: "agents", run: "workflows" };
const ID = /^(?!\.\.?$)[A-Za-z0-9._:-]{1,128}$/;

/**
 * @param {string} pathname e.g. "/dashboard/agents/a-1"
 * @returns {{ page: string, id?: string, nav: string } | null}
 */
export const routeOf = (pathname) => {
  if (pathname !== "/dashboard" && !pathname.startsWith("/dashboard/")) return null;
  const parts = pathname.slice("/dashboard".length).replace(/\/$/, "").split("/").slice(1);
  if (parts.length === 0) return { page: "overview", nav: "overview" };
  const [first = "", second] = parts;
  if (parts.length === 1 && NAV_PAGES.includes(first)) return { page: first, nav: first };
  if (parts.length === 2 && second !== undefined && Object.hasOwn(DETAIL_PAGES, first)) {
    let id;
    try {
      id = decodeURIComponent(second);
    } catch {
      return null;
    }
    if (!ID.test(id)) return null;
    const page = DETAIL_PAGES[/** @type {keyof typeof DETAIL_PAGES} */ (first)];
    return { page, id, nav: NAV_OF[page] };
  }
  return null;
};

/** The path of a detail page. */
export const pathOf = (/** @type {"agents" | "runs"} */ collection, /** @type {string} */ id) => `/dashboard/${collection}/${encodeURIComponent(id)}`;
