// The tenant's configuration: read it (with its ETag), change it by a JSON merge patch
// (RFC 7396; If-Match refuses lost updates with 412), list its versions, roll back to
// one, and read its JSON Schema. Capabilities config:read and config:write. A change
// reaches every reader within CONFIG_MAX_STALENESS_MS, this isolate at once.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { configHistory, freshConfig, patchConfig, rollbackConfig } from "../../objects/config/index.ts";
import { mergePatchSchema } from "../platform/config/document.ts";
import type { ConfigView } from "../platform/config/reader.ts";
import { configSchema } from "../platform/config/schema.ts";
import { paginationQuery } from "../platform/pagination.ts";
import { problem } from "../platform/problem.ts";
import type { AppEnv } from "../env.ts";
import { requireCapability } from "./authorize.ts";
import type { ApiDeps } from "./deps.ts";
import { json, jsonBody, problemResponses } from "./schemas.ts";
import { validationHook } from "./validation-hook.ts";

export const CONFIG_READ = "config:read";
export const CONFIG_WRITE = "config:write";

const viewSchema = z
  .object({
    version: z.number().int(),
    etag: z.string(),
    updatedAt: z.string().nullable().openapi({ format: "date-time" }),
    settings: z.record(z.string(), z.unknown()).openapi({ description: "What the tenant set; the rest are the deployment's defaults" }),
    config: z.record(z.string(), z.unknown()).openapi({ description: "The effective configuration (see GET /v1/config/schema)" }),
  })
  .openapi("Configuration");

const changeSchema = viewSchema.extend({ changed: z.array(z.string()) }).openapi("ConfigurationChange");

const ifMatchHeaders = z.object({ "if-match": z.string().max(1_000).optional().openapi({ param: { name: "if-match", in: "header" } }) });

const versionSchema = z
  .object({
    version: z.number().int(),
    at: z.string().nullable(),
    by: z.string().nullable(),
    kind: z.enum(["defaults", "patch", "rollback"]),
    restored: z.number().int().nullable(),
    changed: z.array(z.string()),
    settings: z.record(z.string(), z.unknown()),
  })
  .openapi("ConfigurationVersion");

const rollbackSchema = z.strictObject({ version: z.number().int().min(0) }).openapi("ConfigurationRollback");

const readRoute = createRoute({
  method: "get",
  path: "/v1/config",
  tags: ["config"],
  summary: "The tenant's configuration, with its version as ETag",
  responses: { 200: json(viewSchema, "The configuration"), ...problemResponses(403, 503) },
});

const schemaRoute = createRoute({
  method: "get",
  path: "/v1/config/schema",
  tags: ["config"],
  summary: "The configuration's JSON Schema",
  responses: { 200: json(z.record(z.string(), z.unknown()), "A JSON Schema (draft 2020-12)"), ...problemResponses(403) },
});

const patchRoute = createRoute({
  method: "patch",
  path: "/v1/config",
  tags: ["config"],
  summary: "Change the configuration by a JSON merge patch (RFC 7396) of its settings; null returns a setting to its default",
  request: {
    headers: ifMatchHeaders,
    body: {
      required: true,
      content: { "application/merge-patch+json": { schema: mergePatchSchema }, "application/json": { schema: mergePatchSchema } },
    },
  },
  responses: { 200: json(changeSchema, "The new version (or the current one when nothing changed)"), ...problemResponses(400, 403, 412, 415, 503) },
});

const historyRoute = createRoute({
  method: "get",
  path: "/v1/config/history",
  tags: ["config"],
  summary: "The configuration's versions, newest first (the last 100 are kept)",
  request: { query: paginationQuery },
  responses: { 200: json(z.object({ items: z.array(versionSchema), next: z.string().nullable() }), "A page"), ...problemResponses(400, 403, 503) },
});

const rollbackRoute = createRoute({
  method: "post",
  path: "/v1/config/rollback",
  tags: ["config"],
  summary: "Go back to an earlier version's settings, as a new version",
  request: { headers: ifMatchHeaders, body: jsonBody(rollbackSchema) },
  responses: { 200: json(changeSchema, "The new version"), ...problemResponses(400, 403, 404, 412, 503) },
});

const body = (view: ConfigView) => ({
  version: view.version,
  etag: view.etag,
  updatedAt: view.updatedAt === null ? null : new Date(view.updatedAt).toISOString(),
  settings: view.settings,
  config: view.config as Record<string, unknown>,
});

const JSON_SCHEMA = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any", target: "draft-2020-12" }) as Record<string, unknown>;

export const configRoutes = ({ telemetry }: ApiDeps) =>
  new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(readRoute, async (c) => {
      await requireCapability(c, telemetry, CONFIG_READ, "config");
      const view = await freshConfig(c.env, telemetry, c.get("tenant"));
      c.header("etag", view.etag);
      return c.json(body(view), 200);
    })
    .openapi(schemaRoute, async (c) => {
      await requireCapability(c, telemetry, CONFIG_READ, "config");
      return c.json(JSON_SCHEMA, 200);
    })
    .openapi(patchRoute, async (c) => {
      await requireCapability(c, telemetry, CONFIG_WRITE, "config");
      // Without a JSON body the validator would see an empty patch; a PATCH must say what it changes.
      if (!/^application\/(merge-patch\+)?json\s*(;|$)/i.test(c.req.header("content-type") ?? "")) {
        throw problem(415, "unsupported-media-type", "Unsupported media type", "Send the merge patch as application/merge-patch+json (or application/json).");
      }
      const outcome = await patchConfig(c.env, telemetry, c.get("tenant"), {
        patch: c.req.valid("json"),
        ifMatch: c.req.valid("header")["if-match"] ?? null,
        by: c.get("principal").subject,
      });
      c.header("etag", outcome.view.etag);
      return c.json({ ...body(outcome.view), changed: outcome.changed }, 200);
    })
    .openapi(historyRoute, async (c) => {
      await requireCapability(c, telemetry, CONFIG_READ, "config");
      return c.json(await configHistory(c.env, telemetry, c.get("tenant"), c.req.valid("query")), 200);
    })
    .openapi(rollbackRoute, async (c) => {
      await requireCapability(c, telemetry, CONFIG_WRITE, "config");
      const outcome = await rollbackConfig(c.env, telemetry, c.get("tenant"), {
        version: c.req.valid("json").version,
        ifMatch: c.req.valid("header")["if-match"] ?? null,
        by: c.get("principal").subject,
      });
      c.header("etag", outcome.view.etag);
      return c.json({ ...body(outcome.view), changed: outcome.changed }, 200);
    });
