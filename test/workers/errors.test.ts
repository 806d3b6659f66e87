// The error contract: every error is application/problem+json with type, title,
// status and detail; validation errors name each field. Malformed JSON, oversize and
// non-JSON bodies, over-deep JSON, bad ids and unknown routes are refused without
// creating anything, and bad input never causes a 500.
import { env, listDurableObjectIds } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, del, errorPaths, expectInvalid, expectProblem, get, newId, post, raw, type Reply, send, spawn, view } from "./http.ts";

const json = (method: string, path: string, body: string, contentType = "application/json") =>
  raw(path, { method, headers: { "content-type": contentType }, body });

const objectCount = async () => (await listDurableObjectIds(env.AGENTS)).length;

describe("problem+json", () => {
  it("carries type, title, status, detail and the request id on every error", async () => {
    const reply = await get(`/v1/agents/${newId()}`);
    const body = expectProblem(reply, 404, "not-found");
    expect(body.type).toMatch(/^https:\/\//);
    expect(reply.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("names every invalid field, body fields plainly and path fields as path.*", async () => {
    const reply = await post("/v1/agents", { type: 7, id: "a b", extra: 1, more: 2 });
    expectInvalid(reply, "type");
    expect(errorPaths(reply).sort()).toEqual(["extra", "id", "more", "type"]);
    expectInvalid(await get(`/v1/agents/${"x".repeat(129)}`), "path.id");
  });

  it("answers paths no route has with a 404 problem", async () => {
    for (const [method, path] of [["GET", "/"], ["GET", "/v1"], ["POST", "/v1/agents/x/actions"], ["GET", "/v2/agents"], ["OPTIONS", "/v1/nothing"]] as const) {
      expectProblem(await send(method, path), 404, "not-found");
    }
  });

  it("answers a method a path does not take with 405 and Allow listing the methods it takes, changing nothing", async () => {
    const id = newId();
    await spawn("counter", id);
    for (const [method, path, allow] of [
      ["GET", "/v1/events", "OPTIONS, POST"],
      ["PUT", "/v1/agents", "GET, HEAD, OPTIONS, POST"],
      ["PATCH", `/v1/agents/${id}`, "DELETE, GET, HEAD, OPTIONS"],
      ["POST", `/v1/agents/${id}`, "DELETE, GET, HEAD, OPTIONS"],
      ["GET", `/v1/agents/${id}/actions/increment`, "OPTIONS, POST"],
      ["DELETE", "/v1/streams/order/retention", "OPTIONS, PUT"],
      ["POST", "/healthz", "GET, HEAD, OPTIONS"],
    ] as const) {
      const reply = await send(method, path);
      const body = expectProblem(reply, 405, "method-not-allowed");
      expect(reply.headers.get("allow"), `${method} ${path}`).toBe(allow);
      expect(body.detail).toContain(allow);
    }
    // A body does not make a method a path does not take do anything.
    expectProblem(await send("PUT", `/v1/agents/${id}`, { state: { value: 7 } }), 405);
    expect((await view(id)).state).toEqual({ value: 0 });
  });

  it("answers OPTIONS with 204 and Allow, and HEAD as GET without a body", async () => {
    const id = newId();
    await spawn("counter", id);
    const options = await send("OPTIONS", `/v1/agents/${id}`);
    expect(options.status).toBe(204);
    expect(options.headers.get("allow")).toBe("DELETE, GET, HEAD, OPTIONS");
    expect(options.text).toBe("");
    const head = await send("HEAD", `/v1/agents/${id}`);
    expect(head.status).toBe(200);
    expect(head.text).toBe("");
    const headNotAllowed = await send("HEAD", "/v1/events");
    expect(headNotAllowed.status).toBe(405);
    expect(headNotAllowed.headers.get("allow")).toBe("OPTIONS, POST");
  });

  it("asks for a token before saying which methods a path takes", async () => {
    const reply = await raw("/v1/agents", { method: "GET", headers: { authorization: "" } });
    expectProblem(reply, 401);
    expect(reply.headers.get("allow")).toBeNull();
  });
});

describe("request bodies", () => {
  it.each([
    ["spawn", "POST", "/v1/agents"],
    ["call", "POST", "/v1/agents/some-id/actions/increment"],
    ["restore", "POST", "/v1/agents/some-id/restore"],
  ])("refuses malformed JSON on %s: 400 malformed-json", async (_route, method, path) => {
    for (const text of ["{", '{"by":1,}', "not json", "", "'x'"]) {
      const body = expectProblem(await json(method, path, text), 400, "malformed-json");
      expect(body.errors).toEqual([{ path: "(body)", message: expect.any(String) }]);
    }
  });

  it("refuses a body over 1 MiB with 413, changing nothing", async () => {
    const id = newId();
    await spawn("counter", id);
    const pad = "x".repeat(1024 * 1024);
    expectProblem(await call(id, "increment", { by: 1, pad }), 413, "payload-too-large");
    expectProblem(await post("/v1/agents", { type: "counter", id: newId(), state: { value: 1, pad } }), 413, "payload-too-large");
    expect((await view(id)).state).toEqual({ value: 0 });
  });

  it("refuses a non-JSON body with 415", async () => {
    const id = newId();
    await spawn("counter", id);
    expectProblem(await json("POST", `/v1/agents/${id}/actions/increment`, "by=1", "application/x-www-form-urlencoded"), 415, "unsupported-media-type");
    expectProblem(await json("POST", "/v1/agents", '{"type":"counter"}', "text/plain"), 415, "unsupported-media-type");
    expectProblem(await json("POST", `/v1/agents/${id}/pause`, "x", "text/plain"), 415, "unsupported-media-type");
    expect((await view(id)).status).toBe("running");
  });

  it("accepts JSON media types with parameters or a +json suffix", async () => {
    const id = newId();
    await spawn("counter", id);
    expect((await json("POST", `/v1/agents/${id}/actions/increment`, '{"by":1}', "application/json; charset=utf-8")).body).toEqual({ value: 1 });
    expect((await json("POST", `/v1/agents/${id}/actions/increment`, '{"by":1}', "application/vnd.api+json")).body).toEqual({ value: 2 });
  });

  it("refuses JSON nested deeper than 128 levels with 400, and never answers 500", async () => {
    const id = newId();
    await spawn("counter", id);
    const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
    expectInvalid(await json("POST", `/v1/agents/${id}/actions/increment`, `{"by":1,"x":${nested(5_000)}}`), "(body)");
    expectInvalid(await json("POST", "/v1/agents", `{"type":"counter","id":"${newId()}","state":${nested(200)}}`), "(body)");
    expectInvalid(await json("POST", `/v1/agents/${id}/actions/increment`, `{"by":1,"x":${nested(127)}}`), "x");
    expect((await view(id)).state).toEqual({ value: 0 });
  });
});

describe("agent ids", () => {
  const badIds = [
    ["an encoded slash", "a%2Fb"],
    ["a space", "a%20b"],
    ["a control character", "a%00b"],
    ["a newline", "a%0Ab"],
    ["a non-ASCII letter", "%C3%A9t%C3%A9"],
    ["129 characters", "x".repeat(129)],
  ];

  it.each(badIds)("refuses an id with %s naming path.id on every route, creating nothing", async (_what, id) => {
    const before = await objectCount();
    const replies: Reply[] = [
      await get(`/v1/agents/${id}`),
      await del(`/v1/agents/${id}`),
      await call(id, "increment", { by: 1 }),
      await post(`/v1/agents/${id}/pause`),
      await post(`/v1/agents/${id}/resume`),
      await post(`/v1/agents/${id}/stop`),
      await post(`/v1/agents/${id}/checkpoint`),
      await post(`/v1/agents/${id}/restore`, {}),
    ];
    for (const reply of replies) expectInvalid(reply, "path.id");
    expectInvalid(await post("/v1/agents", { type: "counter", id: decodeURIComponent(id) }), "id");
    expect(await objectCount()).toBe(before);
  });

  it("accepts every allowed character and 128 characters", async () => {
    for (const id of [`A-z_0.9:${newId()}`, "y".repeat(120) + newId().slice(0, 8)]) {
      expect((await spawn("counter", id)).id).toBe(id);
      expect((await view(id)).id).toBe(id);
    }
  });
});

describe("bad input never causes a 500", () => {
  it.each([
    ["spawn null", "/v1/agents", "null"],
    ["spawn array", "/v1/agents", "[]"],
    ["spawn string", "/v1/agents", '"counter"'],
    ["spawn huge number state", "/v1/agents", '{"type":"counter","state":{"value":1e400}}'],
    ["spawn long type", "/v1/agents", JSON.stringify({ type: "t".repeat(1000) })],
    ["spawn __proto__ type", "/v1/agents", '{"type":"__proto__"}'],
    ["call duplicate keys", "/v1/agents/{id}/actions/increment", '{"by":1,"by":"x"}'],
    ["call __proto__ key", "/v1/agents/{id}/actions/increment", '{"by":1,"__proto__":{"polluted":true}}'],
    ["call huge number", "/v1/agents/{id}/actions/increment", '{"by":1e400}'],
    ["call unsafe integer", "/v1/agents/{id}/actions/increment", `{"by":${Number.MAX_SAFE_INTEGER}}`],
    ["call toString action", "/v1/agents/{id}/actions/tostring", "{}"],
    ["restore empty object", "/v1/agents/{new}/restore", "{}"],
    ["restore array", "/v1/agents/{new}/restore", "[]"],
    ["restore nulls", "/v1/agents/{new}/restore", '{"format":null,"agent":null,"state":null,"outbox":null,"idempotency":null,"metadata":null}'],
  ])("%s", async (_what, pathTemplate, body) => {
    const id = newId();
    await spawn("counter", id, { value: 1 });
    const reply = await json("POST", pathTemplate.replace("{id}", id).replace("{new}", newId()), body);
    expect(reply.status, reply.text).toBeLessThan(500);
    expect(reply.status, reply.text).toBeGreaterThanOrEqual(400);
    expectProblem(reply, reply.status);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
