// The dashboard's routes: the shell for every page path, its static files (public/dashboard,
// Workers static assets behind the ASSETS binding, the Worker first so these headers apply),
// and 404 for anything else under /dashboard. Nothing here reads tenant data.
import { type Context, Hono } from "hono";
import { html } from "hono/html";
import type { AppEnv } from "../env.ts";
import { notFound } from "../platform/problem.ts";
import { Shell } from "./layout.tsx";
import { dashboardRoute } from "./pages.ts";

// Static files: the router and pages (js/), styles (css/), uPlot (vendor/, the npm package's
// files as published). GET and HEAD only; an unknown file is the assets' 404.
const serveAsset = async (c: Context<AppEnv>): Promise<Response> => {
  const response = await c.env.ASSETS.fetch(new Request(c.req.url, { method: c.req.method, headers: c.req.raw.headers }));
  // A fresh Response: the fetched one's headers are immutable, and the security headers
  // middleware sets its own after this handler.
  return new Response(response.body, response);
};

export const dashboardRoutes = () => {
  const app = new Hono<AppEnv>();
  for (const dir of ["js", "css", "vendor"]) app.get(`/dashboard/${dir}/*`, serveAsset);
  app.get("/dashboard", (c) => c.html(html`<!doctype html>${<Shell route={{ page: "overview", nav: "overview" }} />}`));
  app.get("/dashboard/*", (c) => {
    const route = dashboardRoute(c.req.path.slice("/dashboard".length));
    if (route === null) throw notFound("dashboard page", c.req.path);
    return c.html(html`<!doctype html>${<Shell route={route} />}`);
  });
  return app;
};
