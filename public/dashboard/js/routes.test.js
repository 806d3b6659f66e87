// The browser's page table agrees with the server's (src/dashboard/pages.ts) on every path.
import { describe, expect, it } from "vitest";
import { dashboardRoute } from "../../../src/dashboard/pages.ts";
import { pathOf, routeOf } from "./routes.js";

const PATHS = [
  "/dashboard", "/dashboard/", "/dashboard/overview", "/dashboard/agents", "/dashboard/agents/a-1", "/dashboard/agents/a%3A1",
  "/dashboard/streams", "/dashboard/subscriptions", "/dashboard/workflows", "/dashboard/runs/r.1", "/dashboard/audit",
  "/dashboard/nope", "/dashboard/agents/a/b", "/dashboard/runs", "/dashboard/agents/a%2Fb", "/dashboard/agents/%E0", "/dashboard/agent/x",
];

describe("routeOf", () => {
  it.each(PATHS)("%s: the same page as the server's table", (path) => {
    const server = dashboardRoute(path.slice("/dashboard".length));
    expect(routeOf(path)).toEqual(server);
  });

  it("knows the pages", () => {
    expect(routeOf("/dashboard/agents/a-1")).toEqual({ page: "agent", id: "a-1", nav: "agents" });
    expect(routeOf("/dashboard/runs/r-1")).toEqual({ page: "run", id: "r-1", nav: "workflows" });
    expect(routeOf("/dashboard")).toEqual({ page: "overview", nav: "overview" });
    expect(routeOf("/dashboard/nope")).toBeNull();
    expect(routeOf("/v1/agents")).toBeNull();
    expect(routeOf("/dashboardx")).toBeNull();
  });

  it("pathOf and routeOf round-trip an id", () => {
    expect(routeOf(pathOf("agents", "a:b.c_d-1"))).toEqual({ page: "agent", id: "a:b.c_d-1", nav: "agents" });
  });
});
