// `GET /v1/agents`: the filters, the SQL one shard pages with, and the merge of the
// shards' pages. Every shard answers `id > after ... ORDER BY id LIMIT limit + 1` in
// storage; the Worker merges the pages by id (one order over all shards, the
// platform's key order) and keeps the first `limit`. The cursor is composite: the last
// id returned, and which shards have no more matches (those are not asked again).
import { z } from "zod";
import { compareKeys } from "../pagination.ts";
import { validationProblem } from "../problem.ts";
import { parseOrProblem } from "../zod-issues.ts";
import { AGENT_STATUSES, type DirectoryEntry } from "./entry.ts";
import { LABEL_KEY, labelValueSchema, MAX_LABELS } from "./labels.ts";

export const listFilterSchema = z.strictObject({
  types: z.array(z.string().min(1).max(64)).max(256).optional(),
  status: z.enum(AGENT_STATUSES).optional(),
  capability: z.string().min(1).max(64).optional(),
  labels: z.record(z.string().regex(LABEL_KEY), labelValueSchema).optional(),
});
export type ListFilter = z.output<typeof listFilterSchema>;

export const shardPageSchema = z.strictObject({
  filter: listFilterSchema,
  after: z.string().max(128).nullable(),
  limit: z.number().int().min(1).max(1000),
});
export type ShardPageRequest = z.input<typeof shardPageSchema>;
export type ShardPage = { items: DirectoryEntry[]; more: boolean };

const querySchema = z.strictObject({
  type: z.string().min(1).max(64).optional(),
  status: z.enum(AGENT_STATUSES).optional(),
  capability: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(512).optional(),
});

export type ListQuery = { type?: string; status?: ListFilter["status"]; capability?: string; labels: Record<string, string>; limit: number; cursor: ListCursor | null };

/** Parses the query string: named parameters, plus `label.<name>=<value>` (each at most once). */
export const parseListQuery = (params: URLSearchParams): ListQuery => {
  const named: Record<string, string> = {};
  const labels: Record<string, string> = {};
  const errors: { path: string; message: string }[] = [];
  for (const [key, value] of params) {
    const target = key.startsWith("label.") ? labels : named;
    const name = key.startsWith("label.") ? key.slice("label.".length) : key;
    if (Object.hasOwn(target, name)) errors.push({ path: `query.${key}`, message: "given more than once" });
    target[name] = value;
  }
  for (const [name, value] of Object.entries(labels)) {
    if (!LABEL_KEY.test(name)) errors.push({ path: `query.label.${name}`, message: "label names are 1-63 characters of a-z 0-9 _ . - starting with a letter" });
    else if (!labelValueSchema.safeParse(value).success) errors.push({ path: `query.label.${name}`, message: "label values are 1-128 characters" });
  }
  if (Object.keys(labels).length > MAX_LABELS) errors.push({ path: "query", message: `at most ${MAX_LABELS} label filters` });
  if (errors.length > 0) throw validationProblem(errors);
  const query = parseOrProblem(querySchema, named, "query");
  return {
    ...(query.type === undefined ? {} : { type: query.type }),
    ...(query.status === undefined ? {} : { status: query.status }),
    ...(query.capability === undefined ? {} : { capability: query.capability }),
    labels,
    limit: query.limit,
    cursor: query.cursor === undefined ? null : decodeCursor(query.cursor),
  };
};

/** The statement and parameters of one shard's page; filters are applied in storage. */
export const shardPageSql = (request: z.output<typeof shardPageSchema>): { sql: string; params: (string | number)[] } => {
  const where = ["deleted = 0"];
  const params: (string | number)[] = [];
  const { filter } = request;
  if (request.after !== null) {
    where.push("id > ?");
    params.push(request.after);
  }
  if (filter.types !== undefined) {
    if (filter.types.length === 0) where.push("0");
    else {
      where.push(`type IN (${filter.types.map(() => "?").join(", ")})`);
      params.push(...filter.types);
    }
  }
  if (filter.status !== undefined) {
    where.push("status = ?");
    params.push(filter.status);
  }
  if (filter.capability !== undefined) {
    where.push("EXISTS (SELECT 1 FROM json_each(capabilities) WHERE json_each.key = ?)");
    params.push(filter.capability);
  }
  for (const [name, value] of Object.entries(filter.labels ?? {})) {
    // Label names are [a-z0-9_.-], so quoting them makes a safe JSON path.
    where.push("json_extract(labels, ?) = ?");
    params.push(`$."${name}"`, value);
  }
  params.push(request.limit + 1);
  return { sql: `SELECT data FROM entries WHERE ${where.join(" AND ")} ORDER BY id LIMIT ?`, params };
};

/** Where a list goes on: after the id `after`, skipping the shards in `done`. */
export type ListCursor = { after: string; done: number[] };

const cursorSchema = z.strictObject({ a: z.string().min(1).max(128), d: z.array(z.number().int().min(0).max(63)).max(64) });

export const encodeCursor = (cursor: ListCursor): string =>
  btoa(JSON.stringify({ a: cursor.after, d: cursor.done })).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

export const decodeCursor = (text: string): ListCursor => {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(atob(text.replaceAll("-", "+").replaceAll("_", "/"))));
    if (parsed.success) return { after: parsed.data.a, done: parsed.data.d };
  } catch {
    // fall through: not a cursor of this list
  }
  throw validationProblem([{ path: "query.cursor", message: "not a cursor returned by this list" }]);
};

/**
 * Merges the shards' pages (each in id order, `more` when it had another row) into one
 * page of `limit`. An id found in two shards (after a change of the shard count) is
 * listed once, from the entry with the higher revision.
 */
export const mergePages = (
  pages: ReadonlyMap<number, ShardPage>,
  limit: number,
  previouslyDone: readonly number[],
): { items: DirectoryEntry[]; next: ListCursor | null } => {
  const byId = new Map<string, DirectoryEntry>();
  for (const page of pages.values()) {
    for (const entry of page.items) {
      const seen = byId.get(entry.id);
      if (!seen || seen.revision < entry.revision) byId.set(entry.id, entry);
    }
  }
  const sorted = [...byId.values()].sort((a, b) => compareKeys(a.id, b.id));
  const items = sorted.slice(0, limit);
  const last = items.at(-1);
  const anyMore = sorted.length > limit || [...pages.values()].some((page) => page.more);
  if (!anyMore || last === undefined) return { items, next: null };
  // A shard is done when it had no row beyond those it sent and all of them were listed.
  const done = new Set(previouslyDone);
  for (const [shard, page] of pages) {
    const lastOfShard = page.items.at(-1);
    if (!page.more && (lastOfShard === undefined || compareKeys(lastOfShard.id, last.id) <= 0)) done.add(shard);
  }
  return { items, next: { after: last.id, done: [...done].sort((a, b) => a - b) } };
};
