// The dashboard's one HTML page (server-rendered with hono/jsx): nav, sign-in panel and an
// empty <main> that the browser's router (public/dashboard/js/app.js) fills for the page
// named in data-page. It holds no data, so it needs no token; every datum the browser
// shows comes from the API with the signed-in token's capabilities. No inline script or
// style: the dashboard's CSP (csp.ts) refuses them.
import type { FC } from "hono/jsx";
import { DASHBOARD_PAGES, type DashboardRoute } from "./pages.ts";

export const Shell: FC<{ route: DashboardRoute }> = ({ route }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>JidoSystem dashboard</title>
      {/* No favicon request (the Worker has none to give). */}
      <link rel="icon" href="data:," />
      <link rel="stylesheet" href="/dashboard/vendor/uPlot.min.css" />
      <link rel="stylesheet" href="/dashboard/css/dashboard.css" />
      <script type="module" src="/dashboard/js/app.js"></script>
    </head>
    <body>
      <header class="top">
        <a class="brand" href="/dashboard" data-nav="overview">
          JidoSystem
        </a>
        <nav id="nav" aria-label="Dashboard pages">
          {Object.entries(DASHBOARD_PAGES).map(([page, title]) => (
            <a href={page === "overview" ? "/dashboard" : `/dashboard/${page}`} data-nav={page} aria-current={route.nav === page ? "page" : undefined}>
              {title}
            </a>
          ))}
        </nav>
        <div id="session" hidden>
          <span id="session-who" data-testid="session-who"></span>
          <button type="button" id="signout" data-testid="signout">
            Sign out
          </button>
        </div>
      </header>
      {/* method="dialog": submitting never navigates, so the token cannot end up in a URL. */}
      <form id="signin" class="signin" method="dialog" data-testid="signin-panel">
        <label for="signin-token">API token</label>
        <input id="signin-token" data-testid="signin-token" type="password" autocomplete="off" spellcheck={false} placeholder="paste a token (npm start prints one)" required />
        <button type="submit" id="signin-submit" data-testid="signin-submit">
          Sign in
        </button>
        <p class="hint">Kept in this tab's sessionStorage only; never sent in a URL or cookie.</p>
        <p id="signin-error" class="error" role="alert" hidden></p>
      </form>
      <main id="page" data-page={route.page} data-id={route.id}></main>
    </body>
  </html>
);
