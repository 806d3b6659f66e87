import { decodeJwt, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";
import { createVerifier, signToken, VerifierConfigError } from "./tokens.ts";

const SECRET = "s".repeat(32);
const OTHER = "o".repeat(32);
const request = { subject: "alice", tenant: "acme", caps: ["agents:*", { name: "agents:call:payment.*", constraints: { maxAmount: 100 } }] };

const reasonOf = async (token: string, config = { secret: SECRET }) => {
  const outcome = await createVerifier(config)(token);
  return outcome.ok ? "ok" : outcome.reason;
};

describe("tokens", () => {
  it("round-trips a token into a principal", async () => {
    const outcome = await createVerifier({ secret: SECRET })(await signToken(SECRET, request));
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.principal).toMatchObject({ subject: "alice", tenant: "acme", rps: null });
    expect(outcome.principal.grants).toEqual([
      { name: "agents:*", constraints: {}, grantedBy: "token", expiresAt: null },
      { name: "agents:call:payment.*", constraints: { maxAmount: 100 }, grantedBy: "token", expiresAt: null },
    ]);
    expect(outcome.principal.tokenId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("gives every signed token a random jti, carried into the principal with iat and exp", async () => {
    const now = 1_800_000_000_000;
    const [a, b] = [await signToken(SECRET, request, now), await signToken(SECRET, request, now)];
    const [jtiA, jtiB] = [decodeJwt(a).jti, decodeJwt(b).jti];
    expect(jtiA).toMatch(/^[0-9a-f-]{36}$/);
    expect(jtiA).not.toBe(jtiB);
    expect(decodeJwt(await signToken(SECRET, { ...request, jti: "chosen" })).jti).toBe("chosen");
    const outcome = await createVerifier({ secret: SECRET })(await signToken(SECRET, { ...request, ttlSeconds: 60 }));
    if (!outcome.ok) throw new Error(outcome.reason);
    const { jti, issuedAt, expiresAt } = outcome.principal.token;
    expect(jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(expiresAt - issuedAt).toBe(60_000);
  });

  it("accepts a token without jti (it can only be revoked by subject)", async () => {
    const token = await new SignJWT({ tenant: "acme", caps: [] })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("alice")
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(SECRET));
    const outcome = await createVerifier({ secret: SECRET })(token);
    expect(outcome.ok && outcome.principal.token.jti).toBeNull();
  });

  it("refuses another key's signature, expiry, not-yet-valid, alg none and garbage", async () => {
    expect(await reasonOf(await signToken(OTHER, request))).toBe("the token's signature is not valid");
    expect(await reasonOf(await signToken(SECRET, request, Date.now() - 7_200_000))).toBe("the token has expired");
    expect(await reasonOf(await signToken(SECRET, { ...request, notBefore: Date.now() + 3_600_000 }))).toMatch(/not valid now/);
    const none = new UnsecuredJWT({ tenant: "acme", caps: ["admin"] }).setSubject("mallory").setIssuedAt().setExpirationTime("1h").encode();
    expect(await reasonOf(none)).not.toBe("ok");
    expect(await reasonOf("not.a.token")).toBe("the token is malformed");
  });

  it("refuses tokens with missing or invalid claims", async () => {
    const key = new TextEncoder().encode(SECRET);
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setSubject("alice").setIssuedAt().setExpirationTime("1h").sign(key);
    expect(await reasonOf(await sign({ caps: [] }))).toBe("claim 'tenant' is missing or invalid");
    expect(await reasonOf(await sign({ tenant: "acme" }))).toBe("claim 'caps' is missing or invalid");
    expect(await reasonOf(await sign({ tenant: "a/b", caps: [] }))).toBe("claim 'tenant' is missing or invalid");
    const noExp = await new SignJWT({ tenant: "acme", caps: [] }).setProtectedHeader({ alg: "HS256" }).setSubject("a").setIssuedAt().sign(key);
    expect(await reasonOf(noExp)).not.toBe("ok");
  });

  it("verifies ES256 against a JWKS and refuses HS256 signed with the public key", async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" };
    const verify = createVerifier({ jwks: { keys: [jwk] }, issuer: "https://idp.example", audience: "jido" });
    const sign = (issuer: string, audience: string) =>
      new SignJWT({ tenant: "acme", caps: ["agents:read"] })
        .setProtectedHeader({ alg: "ES256", kid: "k1" })
        .setSubject("svc")
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime("1h")
        .sign(privateKey);
    expect((await verify(await sign("https://idp.example", "jido"))).ok).toBe(true);
    expect(await verify(await sign("https://idp.example", "another-app"))).toMatchObject({ ok: false, reason: expect.stringMatching(/aud/) });
    expect(await verify(await sign("https://elsewhere.example", "jido"))).toMatchObject({ ok: false, reason: expect.stringMatching(/iss/) });
    expect((await verify(await signToken(SECRET, request))).ok).toBe(false);
  });

  it("refuses a short secret, no key at all, and a JWKS without issuer or audience when built", () => {
    expect(() => createVerifier({ secret: "short" })).toThrow(/at least 32 bytes/);
    expect(() => createVerifier({})).toThrow(VerifierConfigError);
    expect(() => createVerifier({})).toThrow(/neither JIDO_JWT_SECRET nor a JWKS/);
    const jwks = { keys: [] };
    expect(() => createVerifier({ jwks })).toThrow(/JIDO_JWT_ISSUER and JIDO_JWT_AUDIENCE are not set/);
    expect(() => createVerifier({ jwks, issuer: "https://idp.example" })).toThrow(/JIDO_JWT_AUDIENCE is not set/);
    expect(() => createVerifier({ jwksUrl: "https://idp.example/jwks", audience: "jido" })).toThrow(/JIDO_JWT_ISSUER is not set/);
    expect(() => createVerifier({ jwks, issuer: "https://idp.example", audience: "jido" })).not.toThrow();
  });
});
