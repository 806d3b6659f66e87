// The dashboard's server side: the shell for every page with the dashboard's CSP (no
// inline script or style), its static files with their content types, the API keeping
// its own strict CSP, 404 for unknown dashboard paths, and nothing under /dashboard
// answering tenant data (the shell needs no token because it holds none).
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { get, newId, spawn, toReply } from "./http.ts";

const BASE = "http://localhost";
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** A request without any token, as a browser opening the page sends it. */
const open = async (path: string, init: RequestInit = {}) => toReply(await SELF.fetch(`${BASE}${path}`, init));

const directives = (csp: string | null): Map<string, string[]> =>
  new Map((csp ?? "").split(";").map((part) => part.trim().split(/\s+/)).filter((words) => words[0]).map(([name, ...values]) => [name as string, values]));

const expectDashboardCsp = (headers: Headers, what: string) => {
  const csp = headers.get("content-security-policy");
  expect(csp, what).not.toContain("unsafe-inline");
  expect(csp, what).not.toContain("unsafe-eval");
  const policy = directives(csp);
  expect(policy.get("default-src"), what).toEqual(["'self'"]);
  expect(policy.get("script-src"), what).toEqual(["'self'"]);
  expect(policy.get("style-src"), what).toEqual(["'self'"]);
  expect(policy.get("connect-src"), what).toEqual(["'self'"]);
  expect(policy.get("img-src"), what).toEqual(["'self'", "data:"]);
  expect(policy.get("frame-ancestors"), what).toEqual(["'none'"]);
  expect(headers.get("x-frame-options"), what).toBe("DENY");
  expect(headers.get("x-content-type-options"), what).toBe("nosniff");
};

const PAGES: [string, string, string | undefined][] = [
  ["/dashboard", "overview", undefined],
  ["/dashboard/", "overview", undefined],
  ["/dashboard/overview", "overview", undefined],
  ["/dashboard/agents", "agents", undefined],
  ["/dashboard/agents/a-1", "agent", "a-1"],
  ["/dashboard/streams", "streams", undefined],
  ["/dashboard/subscriptions", "subscriptions", undefined],
  ["/dashboard/workflows", "workflows", undefined],
  ["/dashboard/runs/r-1", "run", "r-1"],
  ["/dashboard/audit", "audit", undefined],
];

describe("dashboard shell", () => {
  it.each(PAGES)("%s renders the shell for page %s with the dashboard CSP, without a token", async (path, page, id) => {
    const reply = await open(path);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.headers.get("content-type")).toMatch(/^text\/html/);
    expectDashboardCsp(reply.headers, path);
    expect(reply.text.startsWith("<!doctype html>")).toBe(true);
    expect(reply.text).toContain(`<main id="page" data-page="${page}"${id === undefined ? "" : ` data-id="${id}"`}></main>`);
    expect(reply.text).toContain('<script type="module" src="/dashboard/js/app.js"></script>');
    expect(reply.text).toContain('data-testid="signin-token"');
    // No inline script or style: every <script> has a src, no style attribute or element.
    expect(reply.text.match(/<script(?![^>]*\ssrc=)[^>]*>/g)).toBeNull();
    expect(reply.text).not.toMatch(/<style|\sstyle=/);
  });

  it.each(["/dashboard/nope", "/dashboard/agents/a/b", "/dashboard/runs", "/dashboard/agents/a%2Fb", "/dashboard/overview/x", "/dashboard/js/nope.js", "/dashboard/vendor/nope.js"])(
    "%s is 404",
    async (path) => {
      const reply = await open(path);
      expect(reply.status, reply.text).toBe(404);
    },
  );

  it("answers an id that is no id with a problem, not a page echoing it", async () => {
    const reply = await open(`/dashboard/agents/${encodeURIComponent('"><script>x</script>')}`);
    expect(reply.status).toBe(404);
    expect(reply.headers.get("content-type")).toBe("application/problem+json");
  });
});

describe("dashboard static files", () => {
  it.each([
    ["/dashboard/js/app.js", /^(text|application)\/javascript/],
    ["/dashboard/js/api.js", /^(text|application)\/javascript/],
    ["/dashboard/js/dom.js", /^(text|application)\/javascript/],
    ["/dashboard/js/live-agent.js", /^(text|application)\/javascript/],
    ["/dashboard/js/pages/overview.js", /^(text|application)\/javascript/],
    ["/dashboard/css/dashboard.css", /^text\/css/],
    ["/dashboard/vendor/uPlot.esm.js", /^(text|application)\/javascript/],
    ["/dashboard/vendor/uPlot.min.css", /^text\/css/],
  ])("%s is served with its content type and the dashboard's headers", async (path, type) => {
    const reply = await open(path);
    expect(reply.status, reply.text.slice(0, 200)).toBe(200);
    expect(reply.headers.get("content-type")).toMatch(type);
    expectDashboardCsp(reply.headers, path);
    expect(reply.text.length).toBeGreaterThan(0);
  });

  it("serves the browser module of live state as the same file the client ships", async () => {
    const reply = await open("/dashboard/js/live-agent.js");
    expect(reply.text).toContain("export class LiveAgent");
  });

  it("does not serve unit tests of the client modules", async () => {
    expect((await open("/dashboard/js/metrics-series.test.js")).status).toBe(404);
  });
});

describe("dashboard and API headers", () => {
  it("the API keeps its strict CSP", async () => {
    for (const path of ["/v1/agents", "/healthz", "/v1/openapi.json", "/nope", "/dashboardx"]) {
      const reply = await open(path);
      expect(reply.headers.get("content-security-policy"), path).toBe(API_CSP);
    }
  });

  it("nothing under /dashboard answers tenant data, with or without a token", async () => {
    const id = newId("dash");
    await spawn("counter", id);
    expect((await get(`/v1/agents/${id}`)).status).toBe(200);
    for (const path of ["/dashboard", `/dashboard/agents/${id}`, "/dashboard/agents", "/dashboard/audit"]) {
      const anonymous = await open(path);
      const signed = await toReply(await SELF.fetch(`${BASE}${path}`, { headers: { authorization: "Bearer x" } }));
      for (const reply of [anonymous, signed]) {
        expect(reply.status).toBe(200);
        // The id in the path is echoed as the page's data-id; the agent's type or state is not.
        expect(reply.text).not.toContain("counter");
        expect(reply.text).not.toContain('"state"');
      }
    }
    // Nor is there a data route under /dashboard to reach.
    expect((await open(`/dashboard/v1/agents/${id}`)).status).toBe(404);
  });
});
