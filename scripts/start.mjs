#!/usr/bin/env node
// `npm start`: runs the platform locally under `wrangler dev` (workerd via Miniflare)
// on 127.0.0.1:8787, persisting to .wrangler/state so agents survive restarts.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const port = process.env.PORT ?? "8787";

console.log(`JidoSystem: starting on http://127.0.0.1:${port}  (API: /v1, OpenAPI: /v1/openapi.json)`);
const child = spawn(
  `${root}node_modules/.bin/wrangler`,
  ["dev", "--ip", "127.0.0.1", "--port", port, "--persist-to", ".wrangler/state", ...process.argv.slice(2)],
  { cwd: root, stdio: "inherit" },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
