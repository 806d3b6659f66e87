// Routes of live state sync (README "Live state"): tickets, and the WebSocket of an
// agent's state. A browser cannot set headers on a WebSocket, so the upgrade takes a
// single-use ticket (subprotocol `jido.ticket.<ticket>` or `?ticket=`) and is served by
// `liveByTicket`, mounted BEFORE authentication; without a ticket the request goes on to
// the authenticated route, which accepts `Authorization: Bearer` on the upgrade (and
// issues the ticket itself). Either way the agent object opens the socket only with a
// ticket it issued. A token in the URL is refused on both paths.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { agentObjectName } from "../platform/agent/naming.ts";
import { idSchema } from "../platform/ids.ts";
import { LIVE_LIMITS } from "../platform/live/limits.ts";
import { CREDENTIAL_QUERY_NAMES, parseTicket, ticketFromProtocols, ticketRequestSchema } from "../platform/live/ticket.ts";
import { problem, validationProblem } from "../platform/problem.ts";
import type { AppEnv, Bindings } from "../env.ts";
import { agentAccess } from "./agent-access.ts";
import type { ApiDeps } from "./deps.ts";
import { agentIdParams, json, jsonBody, problemResponses } from "./schemas.ts";
import { validationHook } from "./validation-hook.ts";

const sinceSchema = z
  .string()
  .regex(/^\d{1,15}$/, "must be a state version (a non-negative integer)")
  .optional()
  .openapi({ param: { name: "since", in: "query" }, description: "The last state version the client holds: it is sent what it missed, or the whole state." });

const liveQuery = z.object({
  since: sinceSchema,
  ticket: z.string().max(300).optional().openapi({ param: { name: "ticket", in: "query" }, description: "A ticket from POST /v1/tickets, when it cannot be sent as the subprotocol `jido.ticket.<ticket>`." }),
  scope: z.enum(["read", "call"]).optional().openapi({ param: { name: "scope", in: "query" }, description: "With Authorization instead of a ticket: read (default) or call." }),
});

const ticketBody = ticketRequestSchema.openapi("TicketRequest");
const ticketSchema = z
  .object({ ticket: z.string(), scope: z.enum(["read", "call"]), expiresAt: z.string().openapi({ format: "date-time" }) })
  .openapi("Ticket");

const ticketRoute = createRoute({
  method: "post",
  path: "/v1/tickets",
  tags: ["live"],
  summary: `A single-use ticket (valid ${LIVE_LIMITS.ticketTtlMs / 1000} s) to open an agent's live socket; read needs agents:read:<type>, call also a call capability`,
  request: { body: jsonBody(ticketBody) },
  responses: { 201: json(ticketSchema, "The ticket"), ...problemResponses(400, 403, 404, 409, 429, 503) },
});

const liveRoute = createRoute({
  method: "get",
  path: "/v1/agents/{id}/live",
  tags: ["live"],
  summary: "The agent's state, live: a WebSocket (Upgrade: websocket) sending the state, then a JSON Patch per change; without Upgrade, the state and its version",
  request: { params: agentIdParams, query: liveQuery },
  responses: {
    101: { description: "WebSocket" },
    200: json(z.object({ type: z.literal("state"), version: z.number().int(), state: z.unknown() }), "The state and its version (no Upgrade)"),
    ...problemResponses(400, 401, 403, 404, 429, 503),
  },
});

/** Refuses a credential in the URL (it would be logged), naming the parameter. */
const refuseCredentialInUrl = (url: URL): void => {
  const found = CREDENTIAL_QUERY_NAMES.find((name) => url.searchParams.has(name));
  if (found) {
    throw validationProblem([{ path: `query.${found}`, message: "credentials never go in a URL: use a ticket (POST /v1/tickets) or the Authorization header" }], "A token was sent in the URL.");
  }
};

/** Forwards the upgrade to the agent's object with the ticket; the answer (101 or a problem) goes back as it is. */
const forward = async (env: Bindings, raw: Request, tenant: string, id: string, ticket: string, since: string | undefined): Promise<Response> => {
  const url = new URL("https://agent.internal/live");
  url.searchParams.set("tenant", tenant);
  url.searchParams.set("id", id);
  url.searchParams.set("ticket", ticket);
  if (since !== undefined) url.searchParams.set("since", since);
  const stub = env.AGENTS.get(env.AGENTS.idFromName(agentObjectName(tenant, id)));
  const answer = await stub.fetch(new Request(url, { headers: raw.headers }));
  // A fetched response's headers are immutable; middleware (request id, security headers) adds to them.
  return new Response(answer.body, { status: answer.status, statusText: answer.statusText, headers: answer.headers, webSocket: answer.webSocket });
};

/**
 * GET /v1/agents/:id/live with a ticket: served here, before authentication (the ticket
 * is the credential and names the tenant). Anything else goes on to the authenticated route.
 */
export const liveByTicket = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const url = new URL(c.req.url);
  refuseCredentialInUrl(url);
  const text = url.searchParams.get("ticket") ?? ticketFromProtocols(c.req.header("sec-websocket-protocol"));
  if (text === null) return next();
  const id = idSchema.safeParse(c.req.param("id"));
  if (!id.success) throw validationProblem([{ path: "path.id", message: id.error.issues[0]?.message ?? "invalid" }]);
  const since = sinceSchema.safeParse(url.searchParams.get("since") ?? undefined);
  if (!since.success) throw validationProblem([{ path: "query.since", message: since.error.issues[0]?.message ?? "invalid" }]);
  const ticket = parseTicket(text);
  if (!ticket) throw problem(401, "ticket-refused", "Ticket refused", "The ticket is malformed.");
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw problem(426, "upgrade-required", "Upgrade required", "A ticket opens a WebSocket: send Upgrade: websocket.");
  return forward(c.env, c.req.raw, ticket.tenant, id.data, text, since.data);
};

export const liveRoutes = ({ telemetry }: ApiDeps) =>
  new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(ticketRoute, async (c) => {
      const body = c.req.valid("json");
      const issued = await agentAccess(c, body.agent, telemetry).invoke("issueTicket", (stub, at, by) => stub.issueTicket(at, by, body));
      return c.json({ ticket: issued.ticket, scope: issued.scope, expiresAt: new Date(issued.expiresAt).toISOString() }, 201);
    })
    .openapi(liveRoute, async (c) => {
      const { id } = c.req.valid("param");
      const query = c.req.valid("query");
      const access = agentAccess(c, id, telemetry);
      if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
        const view = await access.invoke("get", (stub, at, by) => stub.get(at, by));
        return c.json({ type: "state" as const, version: view.stateVersion, state: view.state }, 200);
      }
      // The bearer's own upgrade: the Worker asks for the ticket on its behalf, so the object has one way in.
      const request = { agent: id, scope: query.scope ?? "read" } as const;
      const issued = await access.invoke("issueTicket", (stub, at, by) => stub.issueTicket(at, by, request));
      return (await forward(c.env, c.req.raw, access.at.tenant, id, issued.ticket, query.since)) as never;
    });
