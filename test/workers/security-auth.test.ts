// Authentication on every /v1 route: a missing, malformed, forged, unsigned, expired,
// premature or incomplete token is refused with 401 problem+json and a Bearer
// challenge, before anything is read or changed, and the answer never echoes the token.
// This file checks the route table is complete and valid; security-auth-*.test.ts
// send every bad credential to every route of it (split, as the test harness slows
// down with the number of requests one file sends).
import { beforeAll, describe, expect, it } from "vitest";
import { client, expectOk, expectUnauthorized, request } from "./security.ts";
import { AUTH_GROUPS, type BadCredential, badCredentials, ROUTE_NAMES } from "./security-credentials.ts";
import { documentedRoutes, makeFixture, routeCases, UNDOCUMENTED } from "./security-routes.ts";
import { newTenant } from "./tokens.ts";

describe("authentication on every /v1 route", () => {
  let credentials: BadCredential[];
  beforeAll(async () => {
    credentials = await badCredentials(newTenant("auth"));
  });

  it("accepts a valid token on the same routes (the table's requests are themselves valid)", async () => {
    const f = await makeFixture(newTenant("auth-ok"));
    const owner = await client({ tenant: f.tenant, caps: ["admin"] });
    for (const route of routeCases(f)) {
      const reply = await owner.send(route.method, route.path, route.body);
      // Success, or a conflict with the run's or agent's state (a finished run cannot take an event).
      if (reply.status !== 409) expectOk(reply);
    }
  });

  it("covers every documented /v1 route in the route table", async () => {
    const table = ROUTE_NAMES;
    expect(new Set(table).size).toBe(table.length);
    const documented = await documentedRoutes();
    expect(documented.length).toBeGreaterThan(10);
    expect(documented.filter((route) => !table.includes(route)), "documented /v1 routes missing from the table").toEqual([]);
    expect(table.filter((route) => !documented.includes(route) && !UNDOCUMENTED.includes(route)), "table routes not documented").toEqual([]);
    const groups = Object.values(AUTH_GROUPS);
    expect(table.filter((route) => groups.filter((inGroup) => inGroup(route)).length !== 1), "routes not in exactly one auth file").toEqual([]);
  });

  it("says why a token was refused without echoing it", async () => {
    const byName = new Map(credentials.map((credential) => [credential.name, credential]));
    const detail = async (name: string): Promise<string> => {
      const credential = byName.get(name);
      const reply = await request("GET", "/v1/agent-types", undefined, { authorization: credential?.authorization ?? "" });
      return expectUnauthorized(reply, [credential?.token ?? ""]).detail;
    };
    expect(await detail("Basic credentials")).toMatch(/Bearer/);
    expect(await detail("an expired token")).toMatch(/expired/);
    expect(await detail("a token signed with another secret")).toMatch(/signature/);
    expect(await detail("alg: none")).toMatch(/algorithm|malformed/);
    expect(await detail("a token without tenant")).toMatch(/tenant/);
    expect(await detail("a token without caps")).toMatch(/caps/);
    expect(await detail("a tenant claim with a path separator")).toMatch(/tenant/);
  });

  it("refuses a request to an unknown /v1 path without a token with 401, not 404", async () => {
    expectUnauthorized(await request("GET", "/v1/no-such-route"));
    expectUnauthorized(await request("POST", "/v1/agents/x/actions/increment", { by: 1 }));
  });

  it("answers GET /healthz without a token, and ignores a bad one there", async () => {
    const open = await request("GET", "/healthz");
    expect(open.status, open.text).toBe(200);
    expect(open.body.status).toBe("ok");
    expect((await request("GET", "/healthz", undefined, { authorization: "Bearer a.b.c" })).status).toBe(200);
  });

  it("answers the OpenAPI document to any valid token, even one without capabilities", async () => {
    const none = await client({ tenant: newTenant("auth"), caps: [] });
    expect((await none.get("/v1/openapi.json")).body.openapi).toBe("3.1.0");
    expectUnauthorized(await request("GET", "/v1/openapi.json"));
  });
});
