// With a JWKS (JIDO_JWKS or JIDO_JWKS_URL) the issuer and the audience are required:
// without either every /v1 request answers 503 naming what is missing (never open),
// whatever token it carries; with both, a token of the identity provider for this
// audience is accepted and one for another audience is not. The app is built here
// with the variables each case needs.
import { env } from "cloudflare:test";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { demoAgents } from "../../src/agents/index.ts";
import { createApp } from "../../src/app.ts";
import { createAgentRegistry } from "../../src/platform/agent/registry.ts";
import { expectProblem, type Reply, toReply } from "./http.ts";
import { newTenant, tokenFor } from "./tokens.ts";

const ISSUER = "https://idp.example";
const AUDIENCE = "jido";

describe("JWKS configuration", () => {
  let jwks: string;
  let sign: (audience: string, issuer?: string) => Promise<string>;
  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" }] });
    const tenant = newTenant("jwks");
    sign = (audience, issuer = ISSUER) =>
      new SignJWT({ tenant, caps: ["agent-types:read"] })
        .setProtectedHeader({ alg: "ES256", kid: "k1" })
        .setSubject("svc")
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime("1h")
        .sign(privateKey);
  });

  /** GET /v1/agent-types with `token` on a fresh app whose variables are the tests' with `vars` over them. */
  const ask = async (vars: Record<string, string | undefined>, token: string): Promise<Reply> => {
    const app = createApp({ registry: createAgentRegistry(demoAgents) });
    return toReply(await app.request("/v1/agent-types", { headers: { authorization: `Bearer ${token}` } }, { ...env, ...vars }));
  };

  it("answers 503 naming the missing issuer and/or audience, for any token", async () => {
    const token = await sign(AUDIENCE);
    const cases: [Record<string, string | undefined>, RegExp][] = [
      [{ JIDO_JWT_SECRET: undefined, JIDO_JWKS: jwks }, /JIDO_JWT_ISSUER and JIDO_JWT_AUDIENCE are not set/],
      [{ JIDO_JWT_SECRET: undefined, JIDO_JWKS: jwks, JIDO_JWT_ISSUER: ISSUER }, /JIDO_JWT_AUDIENCE is not set/],
      [{ JIDO_JWT_SECRET: undefined, JIDO_JWKS: jwks, JIDO_JWT_AUDIENCE: AUDIENCE }, /JIDO_JWT_ISSUER is not set/],
      [{ JIDO_JWT_SECRET: undefined, JIDO_JWKS_URL: "https://idp.example/jwks.json" }, /JIDO_JWT_ISSUER and JIDO_JWT_AUDIENCE are not set/],
    ];
    for (const [vars, detail] of cases) {
      const body = expectProblem(await ask(vars, token), 503, "auth-not-configured");
      expect(body.detail).toMatch(detail);
      expect(body.detail).not.toContain(jwks);
    }
    // Beside the deployment's secret too: a platform token is not let through either.
    const platform = await tokenFor({ caps: ["admin"] });
    expect(expectProblem(await ask({ JIDO_JWKS: jwks }, platform), 503, "auth-not-configured").detail).toMatch(/JIDO_JWT_ISSUER/);
  });

  it("accepts the provider's token for this issuer and audience once both are set, and no other", async () => {
    const vars = { JIDO_JWT_SECRET: undefined, JIDO_JWKS: jwks, JIDO_JWT_ISSUER: ISSUER, JIDO_JWT_AUDIENCE: AUDIENCE };
    const accepted = await ask(vars, await sign(AUDIENCE));
    expect(accepted.status, accepted.text).toBe(200);
    expectProblem(await ask(vars, await sign("another-app")), 401, "unauthorized");
    expectProblem(await ask(vars, await sign(AUDIENCE, "https://elsewhere.example")), 401, "unauthorized");
  });
});
