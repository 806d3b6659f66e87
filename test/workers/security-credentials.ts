// Bad credentials for the authentication tests, and the suite that runs them against a
// selection of the route table (split over files: the test harness slows down with
// every request one workerd instance serves, so no file sends too many).
import { decodeJwt, SignJWT, UnsecuredJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import type { Body } from "./http.ts";
import { expectUnauthorized, request } from "./security.ts";
import { type Fixture, fixtureState, makeFixture, type RouteCase, routeCases } from "./security-routes.ts";
import { signToken } from "../../src/platform/security/tokens.ts";
import { TEST_SECRET } from "./secret.ts";
import { adminOf, newTenant, tokenFor } from "./tokens.ts";

export const OTHER_SECRET = "not-the-deployment-secret-0123456789abcdef";
const encoder = new TextEncoder();
const seconds = () => Math.floor(Date.now() / 1000);

/** An HS256 token with exactly `claims` (none added), signed with `secret`. */
const signed = (claims: Record<string, unknown>, secret = TEST_SECRET): Promise<string> =>
  new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(encoder.encode(secret));

const without = (claims: Record<string, unknown>, name: string): Record<string, unknown> =>
  Object.fromEntries(Object.entries(claims).filter(([key]) => key !== name));

export type BadCredential = { name: string; authorization: string | null; token?: string };

/** An admin token of `tenant` that works, then is revoked by its jti or by its subject (one made for this). */
const revoked = async (tenant: string, by: "jti" | "sub"): Promise<string> => {
  const subject = `revoked-${crypto.randomUUID()}`;
  const token = await tokenFor({ tenant, subject, caps: ["admin"] });
  expect((await request("GET", "/v1/agent-types", undefined, { authorization: `Bearer ${token}` })).status).toBe(200);
  const body = by === "jti" ? { jti: String(decodeJwt(token).jti) } : { sub: subject };
  expect((await request("POST", "/v1/revocations", body, await adminOf(tenant))).status).toBe(201);
  return token;
};

/** Every way a request can fail authentication; each claims admin of `tenant` where it can claim anything. */
export const badCredentials = async (tenant: string): Promise<BadCredential[]> => {
  const claims = { sub: "intruder", tenant, caps: ["admin"], iat: seconds(), exp: seconds() + 3600 };
  const valid = await tokenFor({ tenant, caps: ["admin"] });
  const tokens: [string, string][] = [
    ["a garbage JWT", "eyJhbGciOiJIUzI1NiJ9.garbage.garbage"],
    ["alg: none", new UnsecuredJWT({ tenant, caps: ["admin"] }).setSubject("intruder").setIssuedAt().setExpirationTime("1h").encode()],
    ["a token signed with another secret", await signToken(OTHER_SECRET, { subject: "intruder", tenant, caps: ["admin"] })],
    ["an expired token", await tokenFor({ tenant, caps: ["admin"], ttlSeconds: 60 }, Date.now() - 2 * 3600_000)],
    ["a token not valid for an hour (nbf)", await tokenFor({ tenant, caps: ["admin"], notBefore: Date.now() + 3600_000 })],
    ["a token without tenant", await signed(without(claims, "tenant"))],
    ["a token without caps", await signed(without(claims, "caps"))],
    ["a token without sub", await signed(without(claims, "sub"))],
    ["a token without exp", await signed(without(claims, "exp"))],
    ["a token with caps that are not a list", await signed({ ...claims, caps: "admin" })],
    ["a tenant claim with a path separator", await signed({ ...claims, tenant: `${tenant}/other` })],
    ["a tenant claim that climbs out", await signed({ ...claims, tenant: "../other" })],
    ["a token revoked by its jti", await revoked(tenant, "jti")],
    ["a token whose subject was revoked", await revoked(tenant, "sub")],
  ];
  return [
    { name: "no token", authorization: null },
    { name: "Basic credentials", authorization: "Basic x" },
    { name: "Bearer without a token", authorization: "Bearer" },
    { name: "Bearer with two segments", authorization: "Bearer a.b" },
    { name: "a valid token without the Bearer scheme", authorization: valid, token: valid },
    { name: "a valid token under another scheme", authorization: `Token ${valid}`, token: valid },
    ...tokens.map(([name, token]) => ({ name, authorization: `Bearer ${token}`, token })),
  ];
};

/** The table's route names (the requests themselves are built once the fixture exists). */
export const ROUTE_NAMES = routeCases({
  tenant: "",
  id: "",
  spawnId: "",
  restoreId: "",
  grantId: "",
  scheduleId: "",
  newScheduleId: "",
  checkpoint: null,
  subscriptionId: "",
  newSubscriptionId: "",
  workflow: "",
  runId: "",
  newWorkflow: "",
  pool: "",
  leaseId: "",
  newPool: "",
  group: "",
  newGroup: "",
  flag: "",
}).map((route) => route.route);

/** How the route table is split over the security-auth-*.test.ts files; every route is in exactly one group. */
export const AUTH_GROUPS: Record<"agents" | "events" | "other", (route: string) => boolean> = {
  agents: (route) => / \/v1\/agents/.test(route),
  events: (route) => / \/v1\/(events|streams|subscriptions)/.test(route),
  other: (route) => !/ \/v1\/(agents|events|streams|subscriptions)/.test(route),
};

/**
 * For each selected route, one test sending every bad credential (401, a Bearer
 * challenge, no echo of token or secret), then one showing the fixture is unchanged.
 */
export const describeAuthentication = (title: string, select: (route: string) => boolean): void => {
  describe(title, () => {
    let fixture: Fixture;
    let credentials: BadCredential[];
    let before: Body;
    beforeAll(async () => {
      fixture = await makeFixture(newTenant("auth"));
      credentials = await badCredentials(fixture.tenant);
      before = await fixtureState(fixture);
    });

    it.each(ROUTE_NAMES.filter(select))("refuses every bad credential on %s with 401, a Bearer challenge and no echo", async (name) => {
      const route = routeCases(fixture).find((candidate) => candidate.route === name) as RouteCase;
      await Promise.all(
        credentials.map(async (credential) => {
          const headers: Record<string, string> = credential.authorization === null ? {} : { authorization: credential.authorization };
          const reply = await request(route.method, route.path, route.body, headers);
          expect(reply.status, `${route.route} with ${credential.name}: ${reply.text}`).toBe(401);
          expectUnauthorized(reply, [credential.token ?? "", TEST_SECRET, OTHER_SECRET]);
        }),
      );
    });

    it("changed nothing while refusing them", async () => {
      expect(before).toMatchObject({ agent: { status: 200 }, spawned: 404, restored: 404 });
      expect(await fixtureState(fixture)).toEqual(before);
    });
  });
};
