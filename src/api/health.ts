// Liveness, open to everyone: answers without touching storage.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.ts";
import { json } from "./schemas.ts";

const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["platform"],
  summary: "Liveness",
  responses: { 200: json(z.object({ status: z.literal("ok"), version: z.string() }), "The Worker is up") },
});

export const healthRoutes = (version: string) =>
  new OpenAPIHono<AppEnv>().openapi(healthRoute, (c) => c.json({ status: "ok" as const, version }, 200));
