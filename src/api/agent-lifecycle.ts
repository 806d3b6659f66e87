// Lifecycle routes under /v1/agents/{id}: pause, resume, stop, start, checkpoint, restore.
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { checkpointSchema } from "../platform/agent/checkpoint.ts";
import type { AgentAddress } from "../platform/agent/rpc.ts";
import type { Caller } from "../platform/security/caller.ts";
import type { AppEnv } from "../env.ts";
import { agentAccess, type AgentStub } from "./agent-access.ts";
import type { ApiDeps } from "./deps.ts";
import { agentIdParams, agentViewSchema, json, jsonBody, problemResponses, spawnedAgentSchema } from "./schemas.ts";
import { validationHook } from "./validation-hook.ts";

const checkpointDoc = checkpointSchema.openapi("Checkpoint");

const transition = (verb: "pause" | "resume" | "stop" | "start", summary: string, ...problems: number[]) =>
  createRoute({
    method: "post",
    path: `/v1/agents/{id}/${verb}`,
    tags: ["agents"],
    summary,
    request: { params: agentIdParams },
    responses: { 200: json(agentViewSchema, "The agent after the transition"), ...problemResponses(400, 403, 404, 409, ...problems, 503) },
  });

const pauseRoute = transition("pause", "Pause: calls are refused with 409 until resumed");
const resumeRoute = transition("resume", "Resume a paused agent");
const stopRoute = transition("stop", "Stop gracefully: finish the running call, run onTerminate, refuse calls; storage is kept");
const startRoute = transition(
  "start",
  "Start a stopped (or failed) agent again: onStart runs on its kept state, then it is running (500 and failed if onStart fails); a running agent answers as it is",
  500,
);

const checkpointRoute = createRoute({
  method: "post",
  path: "/v1/agents/{id}/checkpoint",
  tags: ["agents"],
  summary: "Take a complete JSON snapshot of the agent",
  request: { params: agentIdParams },
  responses: { 200: json(checkpointDoc, "The checkpoint"), ...problemResponses(400, 404, 503) },
});

const restoreRoute = createRoute({
  method: "post",
  path: "/v1/agents/{id}/restore",
  tags: ["agents"],
  summary: "Create agent {id} from a checkpoint (idempotent for the same checkpoint)",
  request: { params: agentIdParams, body: jsonBody(checkpointDoc) },
  responses: {
    201: json(spawnedAgentSchema, "The restored agent (id and status only without agents:read:<type>)"),
    200: json(spawnedAgentSchema, "Already restored from this checkpoint (id and status only without agents:read:<type>)"),
    ...problemResponses(400, 403, 409, 413, 415, 422, 500, 503),
  },
});

type Transition = (stub: AgentStub, at: AgentAddress, by: Caller) => ReturnType<AgentStub["pause"]>;

export const agentLifecycleRoutes = ({ telemetry }: ApiDeps) => {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const transitions: [ReturnType<typeof transition>, string, Transition][] = [
    [pauseRoute, "pause", (stub, at, by) => stub.pause(at, by)],
    [resumeRoute, "resume", (stub, at, by) => stub.resume(at, by)],
    [stopRoute, "stop", (stub, at, by) => stub.stop(at, by)],
    [startRoute, "start", (stub, at, by) => stub.start(at, by)],
  ];
  for (const [route, operation, fn] of transitions) {
    app.openapi(route, async (c) => c.json(await agentAccess(c, c.req.valid("param").id, telemetry).invoke(operation, fn), 200));
  }
  return app
    .openapi(checkpointRoute, async (c) => {
      const access = agentAccess(c, c.req.valid("param").id, telemetry);
      return c.json(await access.invoke("checkpoint", (stub, at, by) => stub.checkpoint(at, by)), 200);
    })
    .openapi(restoreRoute, async (c) => {
      const id = c.req.valid("param").id;
      const checkpoint = c.req.valid("json");
      const outcome = await agentAccess(c, id, telemetry).invoke("restore", (stub, at, by) => stub.restore(at, by, { checkpoint }));
      c.header("location", `/v1/agents/${encodeURIComponent(id)}`);
      return c.json(outcome.agent, outcome.created ? 201 : 200);
    });
};
