// The routes a tenant's named collection (groups, pools) has in one shape: list a page,
// read one, delete one. Declared once here so that each collection states only what
// differs (its path, tag, key parameter, schemas and summaries) and its problems.
import { createRoute, z } from "@hono/zod-openapi";
import { paginationQuery } from "../platform/pagination.ts";
import { json, problemResponses } from "./schemas.ts";

export type CollectionSpec<Params extends z.ZodObject, Item extends z.ZodType, View extends z.ZodType> = {
  /** The collection's path, e.g. "/v1/pools"; one member is at `${path}/{key}`. */
  path: `/v1/${string}`;
  /** The member's path parameter, as its `params` schema names it. */
  key: string;
  tag: string;
  params: Params;
  /** What a page lists of each member, and what reading one answers. */
  item: Item;
  view: View;
  summaries: { list: string; get: string; delete: string };
};

export const collectionRoutes = <Params extends z.ZodObject, Item extends z.ZodType, View extends z.ZodType>(spec: CollectionSpec<Params, Item, View>) => {
  const member = `${spec.path}/{${spec.key}}` as const;
  return {
    list: createRoute({
      method: "get",
      path: spec.path,
      tags: [spec.tag],
      summary: spec.summaries.list,
      request: { query: paginationQuery },
      responses: { 200: json(z.object({ items: z.array(spec.item), next: z.string().nullable() }), "A page"), ...problemResponses(400, 403, 503) },
    }),
    get: createRoute({
      method: "get",
      path: member,
      tags: [spec.tag],
      summary: spec.summaries.get,
      request: { params: spec.params },
      responses: { 200: json(spec.view, `The ${spec.tag.replace(/s$/, "")}`), ...problemResponses(400, 403, 404, 503) },
    }),
    delete: createRoute({
      method: "delete",
      path: member,
      tags: [spec.tag],
      summary: spec.summaries.delete,
      request: { params: spec.params },
      responses: { 204: { description: "Deleted" }, ...problemResponses(400, 403, 404, 503) },
    }),
  };
};
