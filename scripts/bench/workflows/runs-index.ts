// The runs index as the workflow benchmark reads it: every page of the
// order_processing runs (bounded), for the statuses of given runs or a count by status.
import { type Client, describe } from "../lib/http.ts";
import { MAX_INDEX_PAGES } from "./config.ts";

/** Statuses of the given runs as the runs index has them (every page of workflow=order_processing, bounded). */
export const indexStatuses = async (client: Client, ids: ReadonlySet<string>): Promise<{ statuses: Map<string, string>; error?: string }> => {
  const statuses = new Map<string, string>();
  let cursor: string | null = null;
  for (let page = 0; page < MAX_INDEX_PAGES; page++) {
    const reply = await client.get(`/v1/runs?workflow=order_processing&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    if (reply.status !== 200) return { statuses, error: describe(reply) };
    const body = JSON.parse(reply.body) as { items: { id: string; status: string }[]; next: string | null };
    for (const item of body.items) if (ids.has(item.id)) statuses.set(item.id, item.status);
    if (!body.next) return { statuses };
    cursor = body.next;
  }
  return { statuses, error: `more than ${MAX_INDEX_PAGES} pages` };
};

/** Every run of the workflow in the index, counted by status (bounded pages). */
export const indexAll = async (client: Client): Promise<{ byStatus: Record<string, number>; error?: string }> => {
  const byStatus: Record<string, number> = {};
  let cursor: string | null = null;
  for (let page = 0; page < MAX_INDEX_PAGES; page++) {
    const reply = await client.get(`/v1/runs?workflow=order_processing&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    if (reply.status !== 200) return { byStatus, error: describe(reply) };
    const body = JSON.parse(reply.body) as { items: { status: string }[]; next: string | null };
    for (const item of body.items) byStatus[item.status] = (byStatus[item.status] ?? 0) + 1;
    if (!body.next) return { byStatus };
    cursor = body.next;
  }
  return { byStatus, error: `more than ${MAX_INDEX_PAGES} pages` };
};
