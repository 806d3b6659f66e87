// The OpenAPI 3.1 document lists every /v1 route with its methods (and a method a path
// does not take answers 405 naming them), and liveness answers without touching storage.
import { describe, expect, it } from "vitest";
import { get, send } from "./http.ts";

describe("GET /v1/openapi.json", () => {
  it("is an OpenAPI 3.1 document of every route", async () => {
    const reply = await get("/v1/openapi.json");
    expect(reply.status, reply.text).toBe(200);
    expect(reply.headers.get("content-type")).toMatch(/^application\/json/);
    const doc = reply.body;
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info).toMatchObject({ title: "JidoSystem", version: expect.any(String) });
    const routes = Object.fromEntries(Object.entries<Record<string, unknown>>(doc.paths).map(([path, ops]) => [path, Object.keys(ops).sort()]));
    expect(routes).toEqual({
      "/healthz": ["get"],
      "/v1/agent-types": ["get"],
      "/v1/agent-types/{type}": ["get"],
      "/v1/agents": ["get", "post"],
      "/v1/agents/{id}": ["delete", "get"],
      "/v1/agents/{id}/actions/{action}": ["post"],
      "/v1/agents/{id}/pause": ["post"],
      "/v1/agents/{id}/resume": ["post"],
      "/v1/agents/{id}/stop": ["post"],
      "/v1/cache/{namespace}/{key}": ["delete", "get", "put"],
      "/v1/agents/{id}/start": ["post"],
      "/v1/agents/{id}/checkpoint": ["post"],
      "/v1/agents/{id}/restore": ["post"],
      "/v1/agents/{id}/grants": ["get", "post"],
      "/v1/agents/{id}/grants/{grantId}": ["delete"],
      "/v1/agents/{id}/schedules": ["get", "post"],
      "/v1/agents/{id}/schedules/{scheduleId}": ["delete"],
      "/v1/agents/{id}/live": ["get"],
      "/v1/tickets": ["post"],
      "/v1/events": ["post"],
      "/v1/leases/{id}/release": ["post"],
      "/v1/leases/{id}/renew": ["post"],
      "/v1/pools": ["get", "post"],
      "/v1/groups": ["get", "post"],
      "/v1/groups/{id}": ["delete", "get"],
      "/v1/groups/{id}/actions/{action}": ["post"],
      "/v1/pools/{name}": ["delete", "get"],
      "/v1/pools/{name}/acquire": ["post"],
      "/v1/streams/{stream}": ["get"],
      "/v1/streams/{stream}/events": ["get"],
      "/v1/streams/{stream}/retention": ["put"],
      "/v1/streams/{stream}/replay": ["post"],
      "/v1/streams/{stream}/tail": ["get"],
      "/v1/subscriptions": ["get", "post"],
      "/v1/subscriptions/{id}": ["delete", "get"],
      "/v1/subscriptions/{id}/pause": ["post"],
      "/v1/subscriptions/{id}/resume": ["post"],
      "/v1/workflows": ["get", "post"],
      "/v1/workflows/{name}": ["get"],
      "/v1/workflows/{name}/runs": ["post"],
      "/v1/runs": ["get"],
      "/v1/runs/{id}": ["get"],
      "/v1/runs/{id}/cancel": ["post"],
      "/v1/runs/{id}/events": ["post"],
      "/v1/runs/{id}/live": ["get"],
      "/v1/discovery/query": ["post"],
      "/v1/revocations": ["get", "post"],
      "/v1/config": ["get", "patch"],
      "/v1/config/schema": ["get"],
      "/v1/config/history": ["get"],
      "/v1/config/rollback": ["post"],
      "/v1/flags/{key}/evaluate": ["post"],
      "/v1/metrics": ["get"],
    });
  });

  it("documents parameters, bodies, the problem responses and the shared schemas", async () => {
    const doc = (await get("/v1/openapi.json")).body;
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(["Agent", "Problem", "Checkpoint", "SpawnRequest"]));
    const callOp = doc.paths["/v1/agents/{id}/actions/{action}"].post;
    expect(callOp.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort()).toEqual([
      "header:idempotency-key",
      "path:action",
      "path:id",
    ]);
    expect(Object.keys(callOp.responses)).toEqual(expect.arrayContaining(["200", "400", "404", "409", "422", "429", "503", "504"]));
    expect(callOp.responses["429"].content["application/problem+json"].schema).toEqual({ $ref: "#/components/schemas/Problem" });
    const spawnOp = doc.paths["/v1/agents"].post;
    expect(spawnOp.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/SpawnRequest" });
    expect(Object.keys(spawnOp.responses)).toEqual(expect.arrayContaining(["200", "201", "400", "404", "409", "413", "415"]));
    expect(doc.paths["/v1/agents/{id}/restore"].post.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Checkpoint" });
    expect(Object.keys(doc.components.schemas.Agent.properties).sort()).toEqual(
      ["breaker", "counters", "createdAt", "id", "labels", "outbox", "placement", "state", "stateVersion", "status", "supervision", "type", "typeVersion", "updatedAt", "version"],
    );
  });
  it("declares every CloudEvents content mode of POST /v1/events, binary mode's headers included", async () => {
    const doc = (await get("/v1/openapi.json")).body;
    const publish = doc.paths["/v1/events"].post;
    const event = { $ref: "#/components/schemas/CloudEventInput" };
    expect(publish.requestBody.content).toEqual({
      "application/json": { schema: { oneOf: [event, { type: "array", items: event, minItems: 1, maxItems: 1000 }] } },
      "application/cloudevents+json": { schema: event },
      "application/cloudevents-batch+json": { schema: { type: "array", items: event, minItems: 0, maxItems: 1000 } },
      "*/*": { schema: { description: expect.stringContaining("data_base64") } },
    });
    const headers = publish.parameters.filter((p: { in: string }) => p.in === "header").map((p: { name: string }) => p.name);
    expect(headers).toEqual(expect.arrayContaining(["ce-specversion", "ce-id", "ce-source", "ce-type", "ce-subject", "ce-time", "ce-dataschema", "ce-stream"]));
    expect(Object.keys(doc.components.schemas.CloudEventInput.properties)).toEqual(expect.arrayContaining(["datacontenttype", "data", "data_base64", "dataschema"]));
  });
});

describe("methods a path does not take", () => {
  it("answer 405 with Allow naming exactly the documented methods (plus HEAD for GET, and OPTIONS)", async () => {
    const doc = (await get("/v1/openapi.json")).body;
    for (const [path, operations] of Object.entries<Record<string, unknown>>(doc.paths)) {
      const concrete = path.replace(/\{[^}]+\}/g, "x");
      const documented = Object.keys(operations).map((method) => method.toUpperCase());
      const expected = [...documented, ...(documented.includes("GET") ? ["HEAD"] : []), "OPTIONS"].sort().join(", ");
      const probe = documented.includes("PATCH") ? "PUT" : "PATCH";
      const reply = await send(probe, concrete);
      expect(reply.status, `${probe} ${concrete}: ${reply.text}`).toBe(405);
      expect(reply.headers.get("allow"), path).toBe(expected);
    }
  });
});

describe("GET /healthz", () => {
  it("answers 200 {status: ok} with the platform version", async () => {
    const reply = await get("/healthz");
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: "ok", version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });
});
