import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { allowedMethods } from "./allowed-methods.ts";

const app = new Hono();
app.use("*", async (_c, next) => next());
app.use("/v1/*", async (_c, next) => next());
app.get("/v1/agents/:id", (c) => c.text("agent"));
app.delete("/v1/agents/:id", (c) => c.text("deleted"));
app.post("/v1/agents", (c) => c.text("spawned"));
app.post("/v1/agents/:id/actions/:action", (c) => c.text("called"));
app.put("/v1/streams/:stream/retention", (c) => c.text("set"));
app.get("/healthz", (c) => c.text("ok"));
const allowed = allowedMethods(app.routes);

describe("allowedMethods", () => {
  it("lists the methods of every route whose path matches, with HEAD for GET and OPTIONS always", () => {
    expect(allowed("/v1/agents/c1")).toEqual(["DELETE", "GET", "HEAD", "OPTIONS"]);
    expect(allowed("/v1/agents")).toEqual(["OPTIONS", "POST"]);
    expect(allowed("/v1/agents/c1/actions/increment")).toEqual(["OPTIONS", "POST"]);
    expect(allowed("/v1/streams/order/retention")).toEqual(["OPTIONS", "PUT"]);
    expect(allowed("/healthz")).toEqual(["GET", "HEAD", "OPTIONS"]);
  });

  it("finds nothing for paths no route has, whatever middleware covers them", () => {
    for (const path of ["/", "/v1", "/v1/nothing", "/v1/agents/c1/actions", "/v1/agents/c1/extra/deep/path", "/healthz/x"]) {
      expect(allowed(path), path).toEqual([]);
    }
  });
});
