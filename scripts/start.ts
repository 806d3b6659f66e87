// `npm start`: runs the platform locally under `wrangler dev` (workerd via Miniflare) on
// 127.0.0.1:8787, persisting to .wrangler/state so agents survive restarts. Creates
// .dev.vars with a fresh secret when missing and prints an admin token for the local
// tenant. Webhooks may reach http://127.0.0.1 and http://localhost here (the webhook
// policy's exceptions, JIDO_WEBHOOK_ALLOW / JIDO_WEBHOOK_ALLOW_HTTP, taken from the
// environment when set there).
import { spawn } from "node:child_process";
import { signToken } from "../src/platform/security/tokens.ts";
import { LOCAL_WEBHOOK_VARS, ROOT } from "./lib/dev-server.ts";
import { ensureDevVars } from "./lib/local-secret.ts";

const port = process.env.PORT ?? "8787";
const webhookVars = {
  JIDO_WEBHOOK_ALLOW: process.env.JIDO_WEBHOOK_ALLOW ?? `${LOCAL_WEBHOOK_VARS.JIDO_WEBHOOK_ALLOW},localhost`,
  JIDO_WEBHOOK_ALLOW_HTTP: process.env.JIDO_WEBHOOK_ALLOW_HTTP ?? LOCAL_WEBHOOK_VARS.JIDO_WEBHOOK_ALLOW_HTTP,
};
const { secret, created } = ensureDevVars();
if (created) console.log("Created .dev.vars with a new local token secret.");
const token = await signToken(secret, { subject: "local-admin", tenant: "local", caps: ["admin"], ttlSeconds: 30 * 24 * 3600 });

console.log(`
JidoSystem on http://127.0.0.1:${port}   API /v1 · OpenAPI /v1/openapi.json · health /healthz
Admin token for tenant "local" (30 days):

  export TOKEN=${token}

Try:  curl -s -H "Authorization: Bearer $TOKEN" http://127.0.0.1:${port}/v1/agent-types
`);

const child = spawn(
  `${ROOT}node_modules/.bin/wrangler`,
  [
    "dev", "--ip", "127.0.0.1", "--port", port, "--persist-to", ".wrangler/state",
    ...Object.entries(webhookVars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    ...process.argv.slice(2),
  ],
  { cwd: ROOT, stdio: "inherit" },
);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
