// Token revocation: an admin (or a holder of `tokens:revoke`) revokes one token by its
// `jti`, or every token of a subject issued up to then by `sub`, in its own tenant; a
// revoked token is refused with 401 from then on; the subject's later tokens work; a
// token without the capability is refused (403, audited) and revokes nothing.
import { decodeJwt, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { type Body, expectInvalid, expectProblem, type Reply } from "./http.ts";
import { admin, as, client, expectAudited, expectForbidden, expectOk, expectUnauthorized } from "./security.ts";
import { TEST_SECRET } from "./secret.ts";
import { newTenant, tokenFor } from "./tokens.ts";

const READ = "agent-types:read";

/** A token of `subject` in `tenant` that may read agent types, its Authorization header and its jti. */
const tokenOf = async (tenant: string, subject: string, now?: number) => {
  const token = await tokenFor({ tenant, subject, caps: [READ] }, now);
  return { authorization: { authorization: `Bearer ${token}` }, jti: String(decodeJwt(token).jti), token };
};

const works = async (authorization: Record<string, string>): Promise<Reply> => as(authorization).get("/v1/agent-types");

describe("POST /v1/revocations", () => {
  it("revokes one token by its jti: it is refused with 401, the subject's other tokens work", async () => {
    const tenant = newTenant("rvk");
    const owner = await admin(tenant);
    const first = await tokenOf(tenant, "alice");
    const second = await tokenOf(tenant, "alice");
    expect((await works(first.authorization)).status).toBe(200);

    const revoked = await owner.post("/v1/revocations", { jti: first.jti });
    expect(revoked.status, revoked.text).toBe(201);
    expect(revoked.body).toEqual({ kind: "jti", value: first.jti, revokedAt: expect.stringMatching(/^\d{4}-/), revokedBy: "tester" });
    const refused = expectUnauthorized(await works(first.authorization), [first.token]);
    expect(refused.detail).toMatch(/revoked by its id \(jti\)/);
    expect((await works(second.authorization)).status).toBe(200);

    // Again: the same revocation, unchanged (200).
    const again = await owner.post("/v1/revocations", { jti: first.jti });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(revoked.body);
  });

  it("revokes every token of a subject issued up to then by sub (with or without jti); its later tokens work", async () => {
    const tenant = newTenant("rvk");
    const owner = await admin(tenant);
    const first = await tokenOf(tenant, "alice");
    const second = await tokenOf(tenant, "alice");
    const withoutJti = await new SignJWT({ tenant, caps: [READ] })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject("alice")
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(TEST_SECRET));
    const bob = await tokenOf(tenant, "bob");
    for (const authorization of [first.authorization, second.authorization, { authorization: `Bearer ${withoutJti}` }]) {
      expect((await works(authorization)).status).toBe(200);
    }

    const revoked = expectOk(await owner.post("/v1/revocations", { sub: "alice" }));
    expect(revoked).toMatchObject({ kind: "sub", value: "alice", revokedBy: "tester" });
    for (const authorization of [first.authorization, second.authorization, { authorization: `Bearer ${withoutJti}` }]) {
      expect(expectUnauthorized(await works(authorization)).detail).toMatch(/revoked with every token of its subject issued up to/);
    }
    expect((await works(bob.authorization)).status).toBe(200);
    // A token issued after the revocation (iat has whole seconds: the next one) works.
    const later = await tokenOf(tenant, "alice", Date.parse(revoked.revokedAt) + 1_000);
    expect((await works(later.authorization)).status).toBe(200);
  });

  it("is per tenant: the same subject of another tenant keeps working", async () => {
    const [here, there] = [newTenant("rvk"), newTenant("rvk")];
    const theirs = await tokenOf(there, "alice");
    expectOk(await (await admin(here)).post("/v1/revocations", { sub: "alice" }));
    expect((await works(theirs.authorization)).status).toBe(200);
    expect((await (await admin(there)).get("/v1/revocations")).body).toEqual({ items: [], next: null });
  });

  it("needs tokens:revoke: a token without it gets 403 (audited) and revokes nothing; one with it revokes", async () => {
    const tenant = newTenant("rvk");
    const owner = await admin(tenant);
    const alice = await tokenOf(tenant, "alice");
    const holder = await client({ tenant, subject: "mallory", caps: [READ, "agents:*"] });
    expectForbidden(await holder.post("/v1/revocations", { sub: "alice" }), "tokens:revoke");
    expectForbidden(await holder.post("/v1/revocations", { jti: alice.jti }), "tokens:revoke");
    expectForbidden(await holder.get("/v1/revocations"), "tokens:revoke");
    expect((await works(alice.authorization)).status).toBe(200);
    expect((await owner.get("/v1/revocations")).body).toEqual({ items: [], next: null });
    await expectAudited(
      tenant,
      [1, 2, 3].map(() => ({ who: "principal:mallory", what: "tokens:revoke", resource: "revocations", why: "no grant of 'tokens:revoke'" })),
    );

    const revoker = await client({ tenant, subject: "security-officer", caps: ["tokens:revoke"] });
    expect((await revoker.post("/v1/revocations", { jti: alice.jti })).status).toBe(201);
    expectUnauthorized(await works(alice.authorization));
  });

  it("refuses a body with both or neither of jti and sub, or anything else (400 naming the field); nothing is revoked", async () => {
    const tenant = newTenant("rvk");
    const owner = await admin(tenant);
    expectInvalid(await owner.post("/v1/revocations", { jti: "a", sub: "alice" }), "sub");
    expectInvalid(await owner.post("/v1/revocations", {}), "jti");
    expectInvalid(await owner.post("/v1/revocations", { jti: "" }), "jti");
    expectInvalid(await owner.post("/v1/revocations", { sub: "x".repeat(201) }), "sub");
    expectInvalid(await owner.post("/v1/revocations", { jti: "a", until: "now" }), "until");
    expectProblem(await owner.send("POST", "/v1/revocations", "jti=a", { "content-type": "application/x-www-form-urlencoded" }), 415, "unsupported-media-type");
    expect((await owner.get("/v1/revocations")).body).toEqual({ items: [], next: null });
  });
});

describe("GET /v1/revocations", () => {
  it("lists the tenant's revocations in pages, each once", async () => {
    const tenant = newTenant("rvk");
    const owner = await admin(tenant);
    const made = [
      ...["j-3", "j-1", "J-2"].map((jti) => ({ jti })),
      ...["bob", "alice"].map((sub) => ({ sub })),
    ];
    for (const body of made) expect((await owner.post("/v1/revocations", body)).status).toBe(201);
    const seen: Body[] = [];
    let path = "/v1/revocations?limit=2";
    for (let page = 0; page < 5; page++) {
      const reply = await owner.get(path);
      expect(reply.status, reply.text).toBe(200);
      expect(reply.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...reply.body.items);
      if (reply.body.next === null) break;
      path = `/v1/revocations?limit=2&cursor=${encodeURIComponent(reply.body.next)}`;
    }
    expect(seen.map((r) => `${r.kind}:${r.value}`)).toEqual(["jti:J-2", "jti:j-1", "jti:j-3", "sub:alice", "sub:bob"]);
  });
});
