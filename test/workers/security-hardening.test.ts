// Request hygiene: oversized bodies (413) and malformed ids (400 naming the path
// parameter) are refused before any object is touched; every answer carries security
// headers; error bodies never carry a secret or a token.
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Body, expectInvalid, expectProblem, newId, type Reply, toReply } from "./http.ts";
import { admin, client, expectOk, request, snapshot } from "./security.ts";
import { agentObjectName } from "../../src/platform/agent/naming.ts";
import { signToken } from "../../src/platform/security/tokens.ts";
import { TEST_SECRET } from "./secret.ts";
import { newTenant, tokenFor } from "./tokens.ts";

const MiB = 1024 * 1024;

/** Whether the object that would hold agent `id` of `tenant` has stored anything. */
const storedAnything = async (tenant: string, id: string): Promise<boolean> => {
  const stub = env.AGENTS.get(env.AGENTS.idFromName(agentObjectName(tenant, id)));
  return runInDurableObject(stub, (_instance, state) => [...state.storage.kv.list()].length > 0);
};

/** A tenant with a counter at value 1 holding one grant, and its checkpoint. */
const setup = async () => {
  const tenant = newTenant("hard");
  const owner = await admin(tenant);
  const id = newId("c");
  expect((await owner.post("/v1/agents", { type: "counter", id, state: { value: 1 } })).status).toBe(201);
  expectOk(await owner.post(`/v1/agents/${id}/grants`, { name: "agents:read:counter" }));
  const checkpoint: Body = expectOk(await owner.post(`/v1/agents/${id}/checkpoint`));
  return { tenant, owner, id, checkpoint };
};

describe("request bodies over the limit", () => {
  it("are refused with 413 problem+json and nothing is created or changed", async () => {
    const { tenant, owner, id } = await setup();
    const before = await snapshot(tenant, id);
    const pad = "x".repeat(MiB);
    const spawned = newId("big");
    expectProblem(await owner.post("/v1/agents", { type: "counter", id: spawned, state: { value: 1, pad } }), 413, "payload-too-large");
    expectProblem(await owner.post(`/v1/agents/${id}/actions/increment`, { by: 1, pad }), 413, "payload-too-large");
    expectProblem(await owner.post(`/v1/agents/${id}/grants`, { name: "agents:call:counter.increment", pad }), 413, "payload-too-large");
    expectProblem(await owner.post(`/v1/agents/${id}/actions/increment`, `"${"y".repeat(MiB)}"`), 413, "payload-too-large");
    expect((await snapshot(tenant, spawned)).status).toBe(404);
    expect(await storedAnything(tenant, spawned)).toBe(false);
    expect(await snapshot(tenant, id)).toEqual(before);
  });

  it("are measured when streamed without a content-length", async () => {
    const { tenant, id } = await setup();
    const before = await snapshot(tenant, id);
    const encoder = new TextEncoder();
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(encoder.encode('{"by":1,"pad":"'));
        if (sent > 2 * MiB) {
          controller.enqueue(encoder.encode('"}'));
          controller.close();
          return;
        }
        const chunk = encoder.encode("x".repeat(64 * 1024));
        controller.enqueue(chunk);
        sent += chunk.byteLength;
      },
    });
    const authorization = `Bearer ${await tokenFor({ tenant, caps: ["admin"] })}`;
    const response = await SELF.fetch(`http://localhost/v1/agents/${id}/actions/increment`, {
      method: "POST",
      headers: { authorization, "content-type": "application/json" },
      body,
    });
    expectProblem(await toReply(response), 413, "payload-too-large");
    expect(await snapshot(tenant, id)).toEqual(before);
  });

  it("lets restore take a larger body (a checkpoint), but not an unbounded one", async () => {
    const { tenant, owner, checkpoint } = await setup();
    const target = newId("restored");
    // 2 MiB is read (and refused for its content: a counter's state has no `pad`)...
    const large = { ...checkpoint, state: { value: 1, pad: "z".repeat(2 * MiB) } };
    expectInvalid(await owner.post(`/v1/agents/${target}/restore`, large), "checkpoint.state.pad");
    // ...13 MiB is not read at all.
    const huge = { ...checkpoint, state: { value: 1, pad: "z".repeat(13 * MiB) } };
    expectProblem(await owner.post(`/v1/agents/${target}/restore`, huge), 413, "payload-too-large");
    expect((await snapshot(tenant, target)).status).toBe(404);
    expect(await storedAnything(tenant, target)).toBe(false);
  });
});

/** Ids as they appear in a URL, and what they decode to. */
const BAD_IDS: [string, string, string][] = [
  ["a path separator", "a%2Fb", "a/b"],
  ["an encoded climb", "..%2F..%2Fother", "../../other"],
  ["a backslash", "a%5Cb", "a\\b"],
  ["a space", "a%20b", "a b"],
  ["a NUL", "a%00b", "a\u0000b"],
  ["a newline", "a%0Ab", "a\nb"],
  ["a trailing newline", "ab%0A", "ab\n"],
  ["a non-ASCII letter", "caf%C3%A9", "caf\u00e9"],
  ["129 characters", "x".repeat(129), "x".repeat(129)],
];

describe("malformed ids", () => {
  it("are refused with 400 naming path.id on every route that takes an id, before any object is reached", async () => {
    const { tenant, owner, id, checkpoint } = await setup();
    const before = await snapshot(tenant, id);
    for (const [what, encoded, decoded] of BAD_IDS) {
      const agent = `/v1/agents/${encoded}`;
      const attempts: [string, string, unknown?][] = [
        ["GET", agent],
        ["DELETE", agent],
        ["POST", `${agent}/actions/increment`, { by: 1 }],
        ["POST", `${agent}/pause`],
        ["POST", `${agent}/resume`],
        ["POST", `${agent}/stop`],
        ["POST", `${agent}/checkpoint`],
        ["POST", `${agent}/restore`, checkpoint],
        ["GET", `${agent}/grants`],
        ["POST", `${agent}/grants`, { name: "agents:read:counter" }],
        ["DELETE", `${agent}/grants/grt_x`],
      ];
      for (const [method, path, body] of attempts) {
        const reply = await owner.send(method, path, body);
        expect(reply.status, `${what}: ${method} ${path}: ${reply.text}`).toBe(400);
        expectInvalid(reply, "path.id");
      }
      expectInvalid(await owner.del(`/v1/agents/${id}/grants/${encoded}`), "path.grantId");
      expectInvalid(await owner.post("/v1/agents", { type: "counter", id: decoded }), "id");
      expect(await storedAnything(tenant, decoded), what).toBe(false);
    }
    expect(await snapshot(tenant, id)).toEqual(before);
  });

  it("refuses '.' and '..' as ids: a URL cannot address them (its parser resolves dot segments)", async () => {
    const { tenant, owner, id } = await setup();
    const before = await snapshot(tenant, id);
    for (const dots of [".", ".."]) {
      expectInvalid(await owner.post("/v1/agents", { type: "counter", id: dots }), "id");
      expect(await storedAnything(tenant, dots)).toBe(false);
    }
    expect(await snapshot(tenant, id)).toEqual(before);
  });

  it("accepts every documented id character and 128 characters", async () => {
    const { owner } = await setup();
    for (const ok of ["A-z_0.9:x", "...", "x".repeat(128)]) {
      expect((await owner.post("/v1/agents", { type: "counter", id: ok })).status, ok).toBe(201);
      expect((await owner.get(`/v1/agents/${ok}`)).status, ok).toBe(200);
    }
  });
});

describe("response headers", () => {
  it("carry security headers on success, errors and unknown routes alike", async () => {
    const { owner, id } = await setup();
    const replies: [string, Reply][] = [
      ["healthz", await request("GET", "/healthz")],
      ["no token", await request("GET", `/v1/agents/${id}`)],
      ["200", await owner.get(`/v1/agents/${id}`)],
      ["400", await owner.get("/v1/agents/a%20b")],
      ["403", await (await client({ caps: [] })).get("/v1/agent-types")],
      ["404", await owner.get(`/v1/agents/${newId()}`)],
      ["no route", await owner.get("/v1/nothing-here")],
      ["413", await owner.post(`/v1/agents/${id}/actions/increment`, { pad: "x".repeat(MiB) })],
    ];
    for (const [what, reply] of replies) {
      expect(reply.headers.get("x-content-type-options"), what).toBe("nosniff");
      expect(reply.headers.get("x-frame-options"), what).toBe("DENY");
      expect(reply.headers.get("content-security-policy"), what).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(reply.headers.get("cross-origin-resource-policy"), what).toBe("same-origin");
      expect(reply.headers.get("referrer-policy"), what).toBe("no-referrer");
      expect(reply.headers.get("strict-transport-security"), what).toMatch(/max-age=\d+/);
      expect(reply.headers.get("x-powered-by"), what).toBeNull();
      expect(reply.headers.get("x-request-id"), what).toMatch(/^[0-9a-f-]{36}$/);
    }
    // One request id per request, the same on the response whatever answered it.
    expect(new Set(replies.map(([, reply]) => reply.headers.get("x-request-id"))).size).toBe(replies.length);
  });
});

describe("secrets in error bodies", () => {
  it("never include the deployment secret, another secret or the token", async () => {
    const tenant = newTenant("hard");
    const other = "a-secret-the-attacker-chose-0123456789abcdef";
    const forged = await signToken(other, { subject: TEST_SECRET, tenant, caps: ["admin"] });
    const expired = await tokenFor({ tenant, caps: ["admin"], subject: TEST_SECRET }, Date.now() - 7200_000);
    const overlong = await tokenFor({ tenant, caps: [TEST_SECRET.replaceAll("-", "_")], subject: "x".repeat(300) });
    for (const token of [forged, expired, overlong, `${forged}x`, forged.split(".").slice(0, 2).join(".") + "."]) {
      for (const [method, path, body] of [["GET", "/v1/agent-types"], ["POST", "/v1/agents", { type: "counter", id: "leak" }]] as const) {
        const reply = await request(method, path, body, { authorization: `Bearer ${token}` });
        expect(reply.status).toBe(401);
        const everything = `${reply.text}\n${[...reply.headers].map(([name, value]) => `${name}: ${value}`).join("\n")}`;
        for (const secret of [TEST_SECRET, other, token, token.split(".")[1] ?? "", token.split(".")[2] ?? ""]) {
          if (secret.length > 8) expect(everything).not.toContain(secret);
        }
      }
    }
  });
});

