// Workflow definitions and starting runs. A definition is checked against the agent
// types this deployment hosts before it is registered (name@version, immutable). A run
// start under an Idempotency-Key follows the platform's one rule: the same key and
// request answer the run it started (200, Idempotent-Replayed: true); the same key with
// another request (body or ?version) is refused with 422.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { canonicalJson } from "../platform/canonical-json.ts";
import { idempotencyKeySchema } from "../platform/ids.ts";
import { cursorKey, paginate, paginationQuery, sortByKey } from "../platform/pagination.ts";
import { requestFingerprint } from "../platform/agent/idempotency.ts";
import { conflict, notFound, validationProblem } from "../platform/problem.ts";
import { checkWorkflow } from "../platform/workflow/check.ts";
import { flowNodeSchema, NAME, type WorkflowDefinition, workflowDefinitionSchema } from "../platform/workflow/definition.ts";
import { runIdFor } from "../platform/workflow/run-id.ts";
import { pickVersion } from "../platform/workflow/versions.ts";
import type { AppEnv } from "../env.ts";
import { principalCaller } from "./agent-access.ts";
import { requireCapability } from "./authorize.ts";
import type { ApiDeps } from "./deps.ts";
import { json, jsonBody, problemResponses } from "./schemas.ts";
import { definitionLookup } from "./definition-lookup.ts";
import { validationHook } from "./validation-hook.ts";
import { onRegistry, onRun, versionsOf } from "./workflow-access.ts";

// A flow node contains flows: named, the OpenAPI generator refers to it instead of
// expanding it forever (which failed the whole document).
flowNodeSchema.openapi("WorkflowFlowNode");
const definitionDoc = workflowDefinitionSchema.openapi("WorkflowDefinition");
const runSchema = z.object({}).passthrough().openapi("Run");
const nameParams = z.object({ name: z.string().regex(NAME).openapi({ param: { name: "name", in: "path" }, example: "order_processing" }) });

const registerRoute = createRoute({
  method: "post",
  path: "/v1/workflows",
  tags: ["workflows"],
  summary: "Register a workflow definition (name@version); it is checked against the deployed agent types",
  request: { body: jsonBody(definitionDoc) },
  responses: { 201: json(definitionDoc, "Registered"), 200: json(definitionDoc, "Already registered, identical"), ...problemResponses(400, 403, 409, 413, 415, 503) },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/workflows",
  tags: ["workflows"],
  summary: "List workflows (built-in and registered), every version",
  request: { query: paginationQuery },
  responses: { 200: json(z.object({ items: z.array(definitionDoc), next: z.string().nullable() }), "A page"), ...problemResponses(400, 403, 503) },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/workflows/{name}",
  tags: ["workflows"],
  summary: "A workflow: its latest definition and every version",
  request: { params: nameParams },
  responses: { 200: json(z.object({ name: z.string(), latest: definitionDoc, versions: z.array(z.string()) }), "The workflow"), ...problemResponses(400, 403, 404, 503) },
});

const startRoute = createRoute({
  method: "post",
  path: "/v1/workflows/{name}/runs",
  tags: ["workflows"],
  summary: "Start a run; the body is the run input (Idempotency-Key: the same key and request answer the same run, another request 422); 409 when a role cannot be bound to min_count discovered agents",
  request: {
    params: nameParams,
    query: z.strictObject({ version: z.string().regex(/^\d+\.\d+\.\d+$/).optional() }),
    headers: z.object({ "idempotency-key": idempotencyKeySchema.optional() }),
    body: jsonBody(z.record(z.string(), z.unknown()).openapi({ example: { order_id: "o-1", amount: 42, items: 2, payment: "succeed" } })),
  },
  responses: {
    202: json(runSchema, "The run was started"),
    200: json(runSchema, "The run this Idempotency-Key and request started (header Idempotent-Replayed: true)"),
    ...problemResponses(400, 403, 404, 409, 415, 422, 503),
  },
});

export const workflowRoutes = ({ telemetry, catalog, workflows: builtins }: ApiDeps) => {
  // Definitions from isolate memory and the tiered cache, so starting a run does not ask the tenant's registry each time.
  const definitions = definitionLookup(telemetry, builtins);
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(registerRoute, async (c) => {
      await requireCapability(c, telemetry, "workflows:register", "workflows");
      const definition = c.req.valid("json");
      const errors = checkWorkflow(definition, catalog);
      if (errors.length > 0) throw validationProblem(errors, "The workflow definition does not fit the deployed agent types.");
      const builtin = builtins.find((w) => w.name === definition.name && w.version === definition.version);
      if (builtin && canonicalJson(builtin) !== canonicalJson(definition)) throw conflict(`${definition.name}@${definition.version} is built in; register another version.`);
      // The same body as a built-in is already registered: storing a copy would list the version twice.
      if (builtin) {
        c.header("location", `/v1/workflows/${definition.name}`);
        return c.json(builtin, 200);
      }
      const outcome = await onRegistry(c, telemetry, "register", (rpc, at) => rpc.register(at, definition));
      if (outcome.created) await definitions.registered(c, definition.name);
      c.header("location", `/v1/workflows/${definition.name}`);
      return c.json(outcome.definition, outcome.created ? 201 : 200);
    })
    .openapi(listRoute, async (c) => {
      await requireCapability(c, telemetry, "workflows:read", "workflows");
      const query = c.req.valid("query");
      // One page of registered definitions after the cursor (the store pages them) merged
      // with the few built-ins: the page's items are among these, whichever kind they are.
      const after = cursorKey(query.cursor);
      const registered = await onRegistry(c, telemetry, "list", (rpc, at) => rpc.list(at, { ...(after === undefined ? {} : { after }), limit: query.limit + 1 }));
      const keyOf = (w: WorkflowDefinition) => `${w.name}@${w.version}`;
      return c.json(paginate(sortByKey([...builtins, ...registered], keyOf), keyOf, query), 200);
    })
    .openapi(getRoute, async (c) => {
      const { name } = c.req.valid("param");
      await requireCapability(c, telemetry, "workflows:read", `workflows/${name}`);
      const versions = await versionsOf(c, telemetry, builtins, name);
      const latest = pickVersion(versions);
      if (!latest) throw notFound("Workflow", name);
      return c.json({ name, latest, versions: versions.map((w) => w.version) }, 200);
    })
    .openapi(startRoute, async (c) => {
      const { name } = c.req.valid("param");
      await requireCapability(c, telemetry, `workflows:run:${name}`, `workflows/${name}`);
      const { version } = c.req.valid("query");
      const definition = await definitions.find(c, name, version);
      const key = c.req.valid("header")["idempotency-key"];
      const runId = await runIdFor(name, key);
      const input = c.req.valid("json");
      // The request, as the client sent it: a version given or not is part of it.
      const idempotency = key === undefined ? null : { key, fingerprint: await requestFingerprint(`start ${name}@${version ?? "latest"}`, input) };
      const caller = principalCaller(c);
      const outcome = await onRun(c, runId, telemetry, "start", (rpc, at) => rpc.start(at, caller, { definition, input, idempotency }));
      c.header("location", `/v1/runs/${runId}`);
      if (!outcome.created) c.header("idempotent-replayed", "true");
      return c.json(outcome.run, outcome.created ? 202 : 200);
    });
};
