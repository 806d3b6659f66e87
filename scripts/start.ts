// `npm start`: runs the platform locally under `wrangler dev` (workerd via Miniflare) on
// 127.0.0.1:8787, persisting to .wrangler/state so agents survive restarts. Creates
// .dev.vars (or the file $JIDO_DEV_VARS names) with a fresh secret when missing and prints
// an admin token for the local tenant, and seeds that tenant with a few labelled agents
// (scripts/lib/seed-agents.ts) that workflows bind. Owns its children: wrangler runs as the leader of
// its own process group, and Ctrl-C, SIGTERM, SIGHUP, the death of this script's parent,
// or wrangler exiting all end with the whole group gone (SIGKILL after a grace period).
// package.json runs it as `node --import tsx`: no tsx CLI process in between, whose signal
// relay exits 130 (SIGKILLing this script) when this script reports a Ctrl-C to it later
// than 30 ms after, as it does on a loaded machine. `--help` for the options.
import { spawn } from "node:child_process";
import { relative, resolve } from "node:path";
import { signToken } from "../src/platform/security/tokens.ts";
import { parseCommandLine, runCli, UsageError } from "./lib/cli.ts";
import { LOCAL_WEBHOOK_VARS, ROOT } from "./lib/dev-server.ts";
import { ensureDevVars } from "../src/cli/local-secret.ts";
import { LOCAL_SEEDS, seedAgents } from "./lib/seed-agents.ts";
import { exited, reapGroup, signalGroup, watchParent } from "./lib/process-group.ts";
import { WRANGLER, wranglerEnv } from "./lib/wrangler-env.ts";

const GRACE_MS = 5_000;

// Webhooks may reach http://127.0.0.1 and http://localhost here (the webhook policy's
// exceptions, JIDO_WEBHOOK_ALLOW / JIDO_WEBHOOK_ALLOW_HTTP, taken from the environment
// when set there).
const webhookVars = {
  JIDO_WEBHOOK_ALLOW: process.env.JIDO_WEBHOOK_ALLOW ?? `${LOCAL_WEBHOOK_VARS.JIDO_WEBHOOK_ALLOW},localhost`,
  JIDO_WEBHOOK_ALLOW_HTTP: process.env.JIDO_WEBHOOK_ALLOW_HTTP ?? LOCAL_WEBHOOK_VARS.JIDO_WEBHOOK_ALLOW_HTTP,
};

const USAGE = `Usage: npm start -- [options] [-- <wrangler dev flags>]

Runs the platform under \`wrangler dev\` on 127.0.0.1 and prints an admin token for the
tenant "local". Ctrl-C stops wrangler and workerd.

Options:
  --port <n>          the port to listen on (default $PORT, else 8787)
  --persist-to <dir>  where local state is kept (default .wrangler/state)
  -h, --help          this text

Environment: JIDO_DEV_VARS names the secrets file to use instead of .dev.vars (created
when missing; \`npm run token\` reads the same variable).

Flags after a second \`--\` go to \`wrangler dev\`, e.g. \`npm start -- -- --log-level debug\`.
`;

await runCli(async () => {
  const argv = process.argv.slice(2);
  const split = argv.indexOf("--");
  const wranglerFlags = split === -1 ? [] : argv.slice(split + 1);
  const { values } = parseCommandLine(USAGE, {
    args: split === -1 ? argv : argv.slice(0, split),
    options: {
      port: { type: "string", default: process.env.PORT ?? "8787" },
      "persist-to": { type: "string", default: ".wrangler/state" },
    },
  });
  const port = Number(values.port);
  if (!/^[0-9]+$/.test(values.port) || port < 1 || port > 65_535) throw new UsageError(`--port '${values.port}': must be a port number, 1-65535`);
  const persistTo = resolve(values["persist-to"]);

  const { secret, created, path: devVars } = ensureDevVars();
  if (created) console.log(`Created ${devVars.startsWith(ROOT) ? relative(ROOT, devVars) : devVars} with a new local token secret.`);
  // wrangler reads .dev.vars beside wrangler.toml by itself; another file it is given.
  const secretsFlags = process.env.JIDO_DEV_VARS ? ["--env-file", devVars] : [];
  const token = await signToken(secret, { subject: "local-admin", tenant: "local", caps: ["admin"], ttlSeconds: 30 * 24 * 3600 });

  console.log(`
JidoSystem on http://127.0.0.1:${port}   API /v1 · OpenAPI /v1/openapi.json · health /healthz
Admin token for tenant "local" (30 days; mint others with \`npm run -s token -- --help\`):

  export TOKEN=${token}

Try:  curl -s -H "Authorization: Bearer $TOKEN" http://127.0.0.1:${port}/v1/agent-types

Dashboard: http://127.0.0.1:${port}/dashboard   (sign in with the token above)
`);

  // Detached: wrangler and workerd get no signal from the terminal directly; this script
  // forwards it to their group, so that a wrangler that does not react still goes. Its
  // stdin is not the terminal (a background group reading it would be stopped), hence
  // no interactive hotkeys.
  const child = spawn(
    WRANGLER,
    ["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistTo, "--show-interactive-dev-session=false", ...secretsFlags, ...Object.entries(webhookVars).flatMap(([name, value]) => ["--var", `${name}:${value}`]), ...wranglerFlags],
    { cwd: ROOT, detached: true, stdio: ["ignore", "inherit", "inherit"], env: wranglerEnv() },
  );
  // The local tenant's agents, for the workflows that bind discovered agents; in the
  // background, so that a platform that never answers still stops as it should.
  const seedsSummary = LOCAL_SEEDS.map((seed) => seed.id).join(", ");
  seedAgents(`http://127.0.0.1:${port}`, token).then(
    () => console.log(`Seeded the local tenant with agents: ${seedsSummary}.`),
    (error: unknown) => console.error(`Seeding the local tenant's agents failed: ${error instanceof Error ? error.message : String(error)}`),
  );
  child.once("error", (error) => {
    console.error(`could not start ${WRANGLER}: ${error.message}`);
    process.exit(1);
  });
  // Last resort if this script dies of an error of its own: nothing may outlive it.
  process.once("exit", () => signalGroup(child.pid, "SIGKILL"));

  let stopRequested = false;
  const stop = (signal: NodeJS.Signals): void => {
    // Once is enough: under npm one Ctrl-C arrives twice (from the terminal, then passed
    // on by npm), so a repeat must not escalate.
    if (stopRequested) return;
    stopRequested = true;
    signalGroup(child.pid, signal);
    setTimeout(() => signalGroup(child.pid, "SIGKILL"), GRACE_MS).unref();
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => stop(signal === "SIGHUP" ? "SIGTERM" : signal));
  watchParent(() => stop("SIGTERM"));

  await exited(child);
  await reapGroup(child, GRACE_MS);
  // A stop that was asked for is a success; otherwise wrangler's own outcome.
  process.exit(stopRequested ? 0 : (child.exitCode ?? 1));
});
