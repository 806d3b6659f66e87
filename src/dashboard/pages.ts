// The dashboard's page table: which paths under /dashboard render the shell and which
// page the browser's router shows there. The server only checks the path (an unknown
// one is 404); the page itself is drawn by public/dashboard/js/pages/<module>.js.
import { ID_PATTERN } from "../platform/ids.ts";

/** Page name (the shell's data-page) to its title in the nav, in nav order. */
export const DASHBOARD_PAGES = {
  overview: "Overview",
  agents: "Agents",
  streams: "Streams",
  subscriptions: "Subscriptions",
  workflows: "Workflows",
  audit: "Audit",
} as const;

/** Pages that show one item: /dashboard/<collection>/<id> gives data-page <page>, data-id <id>. */
const DETAIL_PAGES = { agents: "agent", runs: "run" } as const;

export type DashboardPage = keyof typeof DASHBOARD_PAGES | (typeof DETAIL_PAGES)[keyof typeof DETAIL_PAGES];
export type DashboardRoute = { page: DashboardPage; id?: string; nav: keyof typeof DASHBOARD_PAGES };

const NAV_OF_DETAIL: Record<keyof typeof DETAIL_PAGES, keyof typeof DASHBOARD_PAGES> = { agents: "agents", runs: "workflows" };

/** The page at `path` (the part after /dashboard, e.g. "", "/agents", "/agents/a-1"), or null: 404. */
export const dashboardRoute = (path: string): DashboardRoute | null => {
  const parts = path.replace(/\/$/, "").split("/").slice(1);
  if (parts.length === 0) return { page: "overview", nav: "overview" };
  const [first, second] = parts;
  if (parts.length === 1 && first !== undefined && Object.hasOwn(DASHBOARD_PAGES, first)) {
    const page = first as keyof typeof DASHBOARD_PAGES;
    return { page, nav: page };
  }
  if (parts.length === 2 && first !== undefined && second !== undefined && Object.hasOwn(DETAIL_PAGES, first)) {
    let id: string;
    try {
      id = decodeURIComponent(second);
    } catch {
      return null;
    }
    if (!ID_PATTERN.test(id)) return null;
    const collection = first as keyof typeof DETAIL_PAGES;
    return { page: DETAIL_PAGES[collection], id, nav: NAV_OF_DETAIL[collection] };
  }
  return null;
};
