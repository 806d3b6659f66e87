// Subscriptions: create (type patterns, stream and data filters, start position,
// target, delivery policy), inspect (cursor, lag, last error, dead letters per stream),
// list, pause, resume, delete. A webhook subscription's signing secret is shown once,
// when it is created; its URL must pass the deployment's webhook policy. An agent target
// that could never be delivered to (no such agent, no such action, constant input the
// action refuses) is refused when created.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { idSchema } from "../platform/ids.ts";
import { paginationQuery } from "../platform/pagination.ts";
import { subscriptionRequestSchema } from "../platform/events/subscription.ts";
import { checkWebhookUrl, type WebhookPolicy, WebhookPolicyConfigError, webhookPolicyFrom } from "../platform/events/webhook-policy.ts";
import { type AgentTarget, checkAgentTarget } from "../platform/events/target-check.ts";
import { problem, ProblemError, validationProblem } from "../platform/problem.ts";
import { requestKeyOf } from "../platform/request-key.ts";
import type { Logger } from "../platform/telemetry/logger.ts";
import type { AppEnv, Bindings } from "../env.ts";
import { agentAccess, principalCaller } from "./agent-access.ts";
import { requireCapability } from "./authorize.ts";
import { constantInput } from "../platform/events/input-mapping.ts";
import type { ApiDeps } from "./deps.ts";
import { onBus } from "./event-access.ts";
import { idempotencyHeaders, json, jsonBody, problemResponses } from "./schemas.ts";
import { validationHook } from "./validation-hook.ts";

const subscriptionSchema = z.object({}).passthrough().openapi("Subscription");
const idParams = z.object({ id: idSchema.openapi({ param: { name: "id", in: "path" }, example: "orders-to-billing" }) });

const createRouteDef = createRoute({
  method: "post",
  path: "/v1/subscriptions",
  tags: ["events"],
  summary: "Create a subscription (idempotent by id, or by Idempotency-Key without one)",
  request: { headers: idempotencyHeaders, body: jsonBody(subscriptionRequestSchema.openapi("SubscriptionRequest")) },
  responses: {
    201: json(subscriptionSchema, "Created (a webhook's `secret` is shown only now, and to a retry of the same request)"),
    200: json(subscriptionSchema, "Already existed with this definition"),
    ...problemResponses(400, 403, 409, 415, 422, 503),
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/subscriptions",
  tags: ["events"],
  summary: "List subscriptions",
  request: { query: paginationQuery },
  responses: { 200: json(z.object({ items: z.array(subscriptionSchema), next: z.string().nullable() }), "A page"), ...problemResponses(400, 403, 503) },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/subscriptions/{id}",
  tags: ["events"],
  summary: "A subscription with its cursor, lag, last error and dead letters per stream",
  request: { params: idParams },
  responses: { 200: json(subscriptionSchema, "The subscription"), ...problemResponses(400, 403, 404, 503) },
});

const statusRoute = (verb: "pause" | "resume") =>
  createRoute({
    method: "post",
    path: `/v1/subscriptions/{id}/${verb}`,
    tags: ["events"],
    summary: verb === "pause" ? "Pause delivery (the cursor stays)" : "Resume delivery from the cursor",
    request: { params: idParams },
    responses: { 200: json(subscriptionSchema, "The subscription"), ...problemResponses(400, 403, 404, 503) },
  });

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/subscriptions/{id}",
  tags: ["events"],
  summary: "Delete a subscription",
  request: { params: idParams },
  responses: { 204: { description: "Deleted" }, ...problemResponses(400, 403, 404, 503) },
});

/** Refuses (400 naming `target.url`) a webhook URL the deployment's policy does not admit. */
const requireWebhookAllowed = (env: Bindings, url: string, log: Logger): void => {
  let policy: WebhookPolicy;
  try {
    policy = webhookPolicyFrom(env);
  } catch (error) {
    if (!(error instanceof WebhookPolicyConfigError)) throw error;
    // Never open: a policy that cannot be read admits nothing.
    log.error("webhook policy is not configured", { variable: error.variable, message: error.message });
    throw problem(503, "webhook-policy-not-configured", "Webhook policy is not configured", `The deployment's ${error.variable} is malformed; webhooks cannot be subscribed until it is fixed.`);
  }
  const verdict = checkWebhookUrl(url, policy);
  if (!verdict.ok) throw validationProblem([{ path: "target.url", message: verdict.reason }], "The webhook target is refused by the deployment's webhook policy.");
};

export const subscriptionRoutes = ({ telemetry, log, registry }: ApiDeps) => {
  /** The type of agent `id`, or null when there is none; reveals nothing else of it. */
  const agentTypeOf = async (c: Context<AppEnv>, id: string): Promise<string | null> => {
    try {
      return (await agentAccess(c, id, telemetry).invoke("identify", (stub, at) => stub.identify(at))).type;
    } catch (error) {
      if (error instanceof ProblemError && error.status === 404) return null;
      throw error;
    }
  };
  /**
   * 403 unless the creator may call the target's action: a subscription acts for its
   * creator. A constant input is checked against the grant's constraints now; input taken
   * from events can only be checked per event, which delivery does.
   */
  const requireCallable = (c: Context<AppEnv>, target: AgentTarget, type: string): Promise<void> => {
    const constant = constantInput(target.input);
    const value = constant?.value;
    const context = constant === null ? null : typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    return requireCapability(c, telemetry, `agents:call:${type}.${target.action}`, `agent/${type}/${target.agent}`, context);
  };
  /** 400 naming the field when the target could never receive a delivery; 403 when its creator may not call it. */
  const requireDeliverable = async (c: Context<AppEnv>, target: AgentTarget): Promise<void> => {
    const type = await agentTypeOf(c, target.agent);
    const errors = await checkAgentTarget(target, type, registry);
    if (errors.length > 0 || type === null) {
      throw validationProblem(errors, `The subscription could never deliver: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}.`);
    }
    await requireCallable(c, target, type);
  };
  const allowed = (c: Parameters<typeof principalCaller>[0], id?: string) =>
    requireCapability(c, telemetry, "events:subscribe", id ? `subscription/${id}` : "subscriptions");
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(createRouteDef, async (c) => {
      await allowed(c);
      const body = c.req.valid("json");
      // A subscription reads its stream (every stream when it names none): its creator must be allowed to.
      await requireCapability(c, telemetry, `events:read:${body.stream ?? "*"}`, body.stream ? `stream/${body.stream}` : "streams");
      // After the capability checks, so that only a permitted caller learns what the policy admits.
      if (body.target.kind === "webhook") requireWebhookAllowed(c.env, body.target.url, log);
      if (body.target.kind === "agent") await requireDeliverable(c, body.target);
      const caller = principalCaller(c);
      // Made once, before the platform's retries: a retried create finds what the first attempt made.
      const requestKey = requestKeyOf(c.req.valid("header")["idempotency-key"]);
      const outcome = await onBus(c, telemetry, "create", (rpc, at) => rpc.create(at, caller, body, requestKey));
      c.header("location", `/v1/subscriptions/${outcome.subscription.id}`);
      return c.json(outcome.subscription, outcome.created ? 201 : 200);
    })
    .openapi(listRoute, async (c) => {
      await allowed(c);
      const query = c.req.valid("query");
      return c.json(await onBus(c, telemetry, "list", (rpc, at) => rpc.list(at, query)), 200);
    })
    .openapi(getRoute, async (c) => {
      const { id } = c.req.valid("param");
      await allowed(c, id);
      return c.json(await onBus(c, telemetry, "get", (rpc, at) => rpc.get(at, id)), 200);
    })
    .openapi(deleteRoute, async (c) => {
      const { id } = c.req.valid("param");
      await allowed(c, id);
      await onBus(c, telemetry, "remove", (rpc, at) => rpc.remove(at, id));
      return c.body(null, 204);
    });
  for (const [verb, status] of [["pause", "paused"], ["resume", "active"]] as const) {
    app.openapi(statusRoute(verb), async (c) => {
      const { id } = c.req.valid("param");
      await allowed(c, id);
      return c.json(await onBus(c, telemetry, verb, (rpc, at) => rpc.setStatus(at, id, status)), 200);
    });
  }
  return app;
};
