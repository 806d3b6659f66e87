// Feature flag evaluation over HTTP (the OpenFeature provider in src/client uses it):
// the tenant's flag from its configuration (at most CONFIG_MAX_STALENESS_MS old),
// evaluated for the given context. The token's tenant is the context's `tenant`,
// whatever the body says. Capability flags:evaluate.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { readConfig } from "../../objects/config/index.ts";
import { evaluateFlag } from "../platform/flags/evaluate.ts";
import { flagKeySchema } from "../platform/flags/flag.ts";
import { problem } from "../platform/problem.ts";
import type { AppEnv } from "../env.ts";
import { requireCapability } from "./authorize.ts";
import type { ApiDeps } from "./deps.ts";
import { json, jsonBody, problemResponses } from "./schemas.ts";
import { validationHook } from "./validation-hook.ts";

export const FLAGS_EVALUATE = "flags:evaluate";

const contextSchema = z
  .record(z.string().min(1).max(64), z.unknown())
  .refine((context) => Object.keys(context).length <= 64, "at most 64 attributes")
  .refine((context) => context.targetingKey === undefined || typeof context.targetingKey === "string", { message: "must be a string", path: ["targetingKey"] });

const requestSchema = z.strictObject({ context: contextSchema.default({}) }).openapi("FlagEvaluationRequest");

const evaluationSchema = z
  .object({
    key: z.string(),
    value: z.unknown(),
    variant: z.string().nullable(),
    reason: z.enum(["STATIC", "TARGETING_MATCH", "SPLIT", "DEFAULT", "DISABLED", "ERROR"]),
    errorCode: z.string().optional(),
    errorMessage: z.string().optional(),
    flagMetadata: z.object({ type: z.string(), configVersion: z.number().int() }),
  })
  .openapi("FlagEvaluation");

const evaluateRoute = createRoute({
  method: "post",
  path: "/v1/flags/{key}/evaluate",
  tags: ["flags"],
  summary: "Evaluate a feature flag for a context: value, variant and OpenFeature reason",
  request: { params: z.object({ key: flagKeySchema.openapi({ param: { name: "key", in: "path" }, example: "new-checkout" }) }), body: jsonBody(requestSchema) },
  responses: { 200: json(evaluationSchema, "The evaluation"), ...problemResponses(400, 403, 404, 503) },
});

export const flagRoutes = ({ telemetry }: ApiDeps) =>
  new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(evaluateRoute, async (c) => {
    const { key } = c.req.valid("param");
    await requireCapability(c, telemetry, FLAGS_EVALUATE, `flag/${key}`);
    const tenant = c.get("tenant");
    const view = await readConfig(c.env, tenant, telemetry);
    const flag = view.config.flags[key];
    if (!flag) {
      throw problem(404, "flag-not-found", "Flag not found", `No flag '${key}' in this tenant's configuration.`, { extensions: { errorCode: "FLAG_NOT_FOUND" } });
    }
    const evaluation = evaluateFlag(key, flag, { ...c.req.valid("json").context, tenant });
    return c.json({ ...evaluation, flagMetadata: { type: flag.type, configVersion: view.version } }, 200);
  });
