// The environment scripts run wrangler with: the caller's, plus switches that keep a
// local run offline-quiet. Without them every `wrangler dev` start tries to fetch
// https://workers.cloudflare.com/cf.json (Miniflare's `Request.cf` data; the platform
// does not read `request.cf`) and, offline, prints `getaddrinfo ENOTFOUND
// workers.cloudflare.com` with a stack; and wrangler sends usage metrics. A variable
// the caller sets wins (e.g. CLOUDFLARE_CF_FETCH_ENABLED=true for the real data).
import { fileURLToPath } from "node:url";

export const WRANGLER = fileURLToPath(new URL("../../node_modules/.bin/wrangler", import.meta.url));

export const wranglerEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
  ...process.env,
  ...extra,
});
