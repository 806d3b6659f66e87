// The README's examples stay true: starts the platform as `npm start` does (on a free port,
// temporary state and a temporary secrets file), then runs the README's shell commands
// (Quick start, API and the sections after it) in order in one bash session, and the Typed client example, as a
// reader would, from a view of the repository's root. Every command must exit 0 and get
// the status its comment states (a 2xx when it states none), and the body its comment
// shows; where the README promises an outcome that takes time (a delivery, a run that
// completes, times out or is cancelled), the promise is awaited within a bound. At the end,
// the broadest run of the platform there is, a scrape of GET /v1/metrics must pass
// `promtool check metrics` and an independent parse, with samples from every layer.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, ROOT } from "../../scripts/lib/dev-server.ts";
import { exited, signalGroup } from "../../scripts/lib/process-group.ts";
import { signToken } from "../../src/platform/security/tokens.ts";
import { parseExposition, PROMTOOL, promtoolCheck, sum } from "./prometheus-text.ts";
import { codeBlocks, promised, type ShellCommand, shellCommands } from "./readme-commands.ts";
import { openShell, type Ran, type ShellSession } from "./shell-session.ts";
import { until } from "./until.ts";

const README = readFileSync(join(ROOT, "README.md"), "utf8");
const README_BASE = "http://127.0.0.1:8787";
// Quick start's lines that install, start the platform (done here, as it says) and test.
const NOT_RUN = ["npm ci", "npm start", "npm test"];
// Sections whose shell blocks are run (in the README's order, one session: the later ones
// use the API section's H, J, B and id_of); Deploy's talk to Cloudflare and are not.
const RUN_SECTIONS = ["Quick start", "API", "Resource pools", "Agent groups", "Schedules", "Live state", "CLI", "Configuration", "Quotas"];
const SKIPPED_SECTIONS = ["Deploy"];

type Json = Record<string, unknown> & { status?: string; state?: { value?: number }; items?: Json[] };
type Api = (method: string, path: string) => Promise<{ status: number; body: Json }>;
type Check = { ran: Ran; shell: ShellSession; api: Api };

let platform: ChildProcess | undefined;
let output = "";
let base = "";
let secret = "";
let api: Api;
let shell: ShellSession | undefined;
const dirs: string[] = [];

const json = (text: string): Json => {
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw new Error(`not JSON: ${text.slice(0, 500)}`);
  }
};

const runStatus = async (id: string): Promise<Json> => (await api("GET", `/v1/runs/${id}`)).body;

const agentValue = async (id: string): Promise<number | undefined> => (await api("GET", `/v1/agents/${id}`)).body.state?.value;

// What the README promises beyond a status, keyed by a piece of the one command that
// promises it (each must match exactly one command).
const promises: Record<string, (check: Check) => Promise<void>> = {
  "npm run -s token -- --tenant acme": async ({ ran }) => {
    expect(ran.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  },
  "/v1/openapi.json": async ({ ran }) => {
    expect(json(ran.stdout)).toMatchObject({ openapi: expect.stringMatching(/^3\.1/) });
  },
  "/v1/agents/c1/pause": async ({ ran }) => {
    expect(json(ran.stdout).status).toBe("paused");
  },
  "/v1/agents/c1/resume": async ({ ran }) => {
    expect(json(ran.stdout).status).toBe("running");
  },
  "/v1/agents/c2/restore": async ({ ran }) => {
    expect(json(ran.stdout)).toMatchObject({ id: "c2", status: "running", state: { value: 2 } });
  },
  "/v1/agents/c1/stop": async ({ ran }) => {
    expect(json(ran.stdout)).toMatchObject({ status: "stopped", state: { value: 2 } });
  },
  "/v1/agents/c1/start": async ({ ran }) => {
    expect(json(ran.stdout)).toMatchObject({ status: "running", state: { value: 2 } });
  },
  "-X DELETE $B/v1/agents/c1": async () => {
    expect((await api("GET", "/v1/agents/c1")).status).toBe(404);
  },
  "grants/$GRANT": async ({ shell }) => {
    expect(await shell.get("GRANT")).toMatch(/^grt_/);
    expect((await api("GET", "/v1/agents/p1/grants")).body.items).toEqual([]);
  },
  "/v1/streams/order/tail": async ({ ran }) => {
    // It ran until it was ended, having sent the four order events so far.
    expect(ran.stdout).toMatch(/^id: 4$/m);
    expect(ran.stdout).toContain('"region":"eu"');
  },
  "$B/v1/agents/orders": async () => {
    await until("the orders counter to count o-1 and o-2", async () => (await agentValue("orders")) === 2, 30_000, 100);
  },
  "count-orders/pause": async ({ ran }) => {
    expect(json(ran.stdout).status).toBe("paused");
  },
  "count-orders/resume": async ({ ran }) => {
    expect(json(ran.stdout).status).toBe("active");
  },
  "/v1/streams/order/replay": async () => {
    await until("the replay to deliver o-1 and o-2 again", async () => (await agentValue("orders")) === 4, 30_000, 100);
  },
  "RUN=$(": async ({ shell }) => {
    const run = await shell.get("RUN");
    expect(run).toMatch(/^run_/);
    await until("the order run to complete", async () => (await runStatus(run)).status === "completed", 30_000, 100);
  },
  "status=completed": async ({ ran, shell }) => {
    // Newest first: RUN, then the quick start's run; every one completed.
    const items = json(ran.stdout).items as Json[];
    expect(items.map((r) => r.id)[0]).toBe(await shell.get("RUN"));
    expect(items.length).toBe(2);
    expect(items.every((r) => r.status === "completed")).toBe(true);
  },
  "$B/v1/runs/$SLOW/cancel": async ({ ran }) => {
    expect(["cancelling", "cancelled"]).toContain(json(ran.stdout).status);
  },
  "jido workflows run count_twice": async ({ ran }) => {
    expect(ran.stdout).toMatch(/^step second: completed \(agent run_\S+\.counter\.\d+, /m);
    expect(ran.stdout.trim().split("\n").at(-1)).toMatch(/^run run_\S+: completed$/);
  },
  "jido agents list --type validation_agent": async ({ ran }) => {
    expect(ran.stdout).toContain("validator-us-1");
    expect(ran.stdout).toContain("validator-eu-1");
  },
  "jido workflows run order_processing": async ({ ran }) => {
    expect(ran.stdout).toMatch(/^step process_payment: completed /m);
    expect(ran.stdout.trim().split("\n").at(-1)).toMatch(/^run run_\S+: completed$/);
  },
  "jido agents get nobody": async ({ ran }) => {
    expect(ran.stdout).toBe("exit code 1\n");
    expect(ran.stderr).toMatch(/^error: 404 Agent not found\n/);
  },
  "APPROVAL=$(": async ({ shell }) => {
    const run = await shell.get("APPROVAL");
    await until("the approval run to wait at its await", async () => {
      const steps = (await runStatus(run)).steps as Json[];
      return steps.some((s) => s.name === "approval" && s.status === "waiting");
    }, 30_000, 100);
  },
  "/v1/runs/$APPROVAL/events": async ({ ran, shell }) => {
    expect(json(ran.stdout)).toMatchObject({ status: "delivered", await: "approval" });
    const run = await shell.get("APPROVAL");
    await until("the approved run to complete", async () => (await runStatus(run)).status === "completed", 30_000, 100);
  },
  "LEASE=$(": async ({ shell }) => {
    expect(await shell.get("LEASE")).toMatch(/^gpu\./);
    expect((await api("GET", "/v1/pools/gpu")).body).toMatchObject({ inUse: 2, available: 6 });
  },
  "/v1/leases/$LEASE/release": async () => {
    expect((await api("GET", "/v1/pools/gpu")).body).toMatchObject({ inUse: 0, available: 8 });
  },
  "-X DELETE $B/v1/pools/gpu": async () => {
    expect((await api("GET", "/v1/pools/gpu")).status).toBe(404);
  },
  "$B/v1/tickets": async ({ ran }) => {
    // The tenant (base64url: it routes the socket to the tenant's agent), a dot, the secret.
    expect(json(ran.stdout)).toMatchObject({ ticket: expect.stringMatching(new RegExp(`^${Buffer.from("local").toString("base64url")}\\.[\\w-]+$`)), expiresAt: expect.any(String) });
  },
  "$B/v1/agents/c1/live": async ({ ran }) => {
    // The Typed client example just added 1 to c1.
    expect(json(ran.stdout)).toMatchObject({ version: expect.any(Number), state: { value: 1 } });
  },
  "-i $B/v1/config": async ({ ran }) => {
    expect(ran.stdout).toMatch(/^etag: "v0"\r?$/im);
  },
  "-H 'If-Match: \"v0\"'": async ({ ran }) => {
    expect(json(ran.stdout)).toMatchObject({ version: 1, config: { infrastructure: { rateLimit: { rps: 20 }, circuitBreakerThreshold: 3 } } });
  },
  "$B/v1/config/rollback": async ({ ran }) => {
    expect(json(ran.stdout)).toMatchObject({ version: 2, settings: {}, config: { infrastructure: { rateLimit: { rps: 50 }, circuitBreakerThreshold: null } } });
  },
};

const stopPlatform = async (): Promise<void> => {
  if (!platform || platform.exitCode !== null || platform.signalCode !== null) return;
  // As Ctrl-C does: start.ts stops wrangler and workerd, and exits.
  signalGroup(platform.pid, "SIGINT");
  const timer = setTimeout(() => signalGroup(platform?.pid, "SIGKILL"), 20_000);
  await exited(platform);
  clearTimeout(timer);
};

beforeAll(async () => {
  // What the README's examples need besides Node (the Quick start says so too).
  for (const tool of ["bash", "curl"]) {
    if (spawnSync(tool, ["--version"]).status !== 0) throw new Error(`the README's examples need ${tool}, which is not installed`);
  }
  const manifest = json(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  // What is started here is what `npm start` runs.
  expect(manifest.scripts.start).toBe("node --import tsx scripts/start.ts");
  const home = mkdtempSync(join(tmpdir(), "jido-e2e-readme-"));
  dirs.push(home);
  // The reader's working directory: the repository's root, seen through links, so that
  // files the examples write (c1.json) land here; the secrets file is a temporary one.
  const view = join(home, "repo");
  mkdirSync(view);
  for (const entry of ["package.json", "tsconfig.json", "node_modules", "bin", "scripts", "src", "examples"]) symlinkSync(join(ROOT, entry), join(view, entry));
  const env = { ...process.env, JIDO_DEV_VARS: join(home, "dev.vars") };

  const port = await freePort();
  platform = spawn(
    process.execPath,
    ["--import", "tsx", "scripts/start.ts", "--port", String(port), "--persist-to", join(home, "state"), "--", "--inspector-port", String(await freePort())],
    { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"], env },
  );
  platform.stdout?.on("data", (chunk) => (output += chunk));
  platform.stderr?.on("data", (chunk) => (output += chunk));
  base = `http://127.0.0.1:${port}`;
  await until(`npm start to answer on ${base}`, async () => {
    if (platform?.exitCode !== null) throw new Error(`start.ts exited early:\n${output}`);
    try {
      return (await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok;
    } catch {
      return false;
    }
  }, 90_000, 250);
  // npm start seeds the local tenant with the agents the README's workflow runs bind.
  await until("npm start to seed the local tenant's agents", async () => {
    if (output.includes("Seeding the local tenant's agents failed")) throw new Error(`seeding failed:\n${output}`);
    return output.includes("Seeded the local tenant with agents");
  }, 90_000, 100);

  secret = /^JIDO_JWT_SECRET=(.+)$/m.exec(readFileSync(env.JIDO_DEV_VARS, "utf8"))?.[1]?.trim() ?? "";
  const token = await signToken(secret, { subject: "readme-check", tenant: "local", caps: ["admin"], rps: 100_000 });
  api = async (method, path) => {
    const response = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
  };
  shell = await openShell(view, env);
}, 120_000);

afterAll(async () => {
  shell?.close();
  await stopPlatform();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs one README command and checks what its comment states. */
const runCommand = async (session: ShellSession, command: ShellCommand, text: string): Promise<Ran> => {
  const where = `README line ${command.line}: ${command.text}`;
  const streaming = /\bcurl -N\b/.test(text);
  const ran = await session.run(text, 30_000);
  const detail = `${where}\nexit ${ran.exitCode}, statuses ${ran.statuses.join(",")}\nstdout: ${ran.stdout.slice(0, 2_000)}\nstderr: ${ran.stderr.slice(0, 2_000)}`;
  // curl exits 28 when the bound on a stream ends it.
  expect(ran.exitCode, detail).toBe(streaming ? 28 : 0);
  if (/\bcurl\b/.test(text)) expect(ran.statuses.length, detail).toBeGreaterThan(0);
  const stated = promised(command.comment);
  const last = ran.statuses.length - 1;
  ran.statuses.forEach((status, i) => {
    if (stated && i === last) expect(status, detail).toBe(stated.status);
    else expect(status >= 200 && status < 300, detail).toBe(true);
  });
  if (stated?.body) expect(json(ran.stdout), detail).toMatchObject(stated.body);
  return ran;
};

describe("the README", () => {
  it("runs top to bottom against npm start and does what it says", async () => {
    const session = shell!;
    // Quick start: `npm start` prints an admin token that the platform accepts.
    const printed = /export TOKEN=(\S+)/.exec(output)?.[1];
    expect(printed, output).toBeDefined();
    expect((await fetch(`${base}/v1/agent-types`, { headers: { authorization: `Bearer ${printed}` } })).status).toBe(200);

    const blocks = codeBlocks(README);
    for (const block of blocks.filter((b) => b.lang === "sh")) expect([...RUN_SECTIONS, ...SKIPPED_SECTIONS], `a sh block in section '${block.section}'`).toContain(block.section);
    const used = new Map<string, number>();
    const skipped: string[] = [];
    let baseSet = 0;
    let ranCount = 0;

    for (const block of blocks) {
      if (block.lang === "ts" && block.section === "Typed client") {
        // The client example, written into the reader's directory, against this server.
        expect(block.text.split(README_BASE).length - 1, "the client example's baseUrl").toBe(1);
        writeFileSync(join(await session.get("PWD"), "readme-client.ts"), block.text.replace(README_BASE, base));
        const ran = await session.run("npx tsx readme-client.ts", 60_000);
        expect(ran.exitCode, `${ran.stdout}\n${ran.stderr}`).toBe(0);
        // It spawned c1 again (the API section deleted it) and added 1.
        expect(await agentValue("c1")).toBe(1);
        ranCount++;
        continue;
      }
      if (block.lang !== "sh" || !RUN_SECTIONS.includes(block.section)) continue;
      for (const command of shellCommands(block.text, block.line)) {
        if (NOT_RUN.includes(command.text)) {
          skipped.push(command.text);
          continue;
        }
        expect(command.text, `README line ${command.line}: a placeholder`).not.toMatch(/<[a-z][a-z-]*>/i);
        let text = command.text;
        if (text.includes(README_BASE)) {
          // The one place the README names the address: B, which every command uses.
          expect(text, `README line ${command.line}: the address outside B=`).toMatch(/(^|; )B=http:\/\/127\.0\.0\.1:8787$/);
          text = text.replace(`B=${README_BASE}`, `B=${base}`);
          baseSet++;
        }
        expect(text, `README line ${command.line}: a port`).not.toMatch(/:8787\b/);
        const ran = await runCommand(session, command, text);
        ranCount++;
        const keys = Object.keys(promises).filter((key) => command.text.includes(key));
        expect(keys.length, `README line ${command.line}: promises ${keys.join(", ")}`).toBeLessThanOrEqual(1);
        for (const key of keys) {
          used.set(key, (used.get(key) ?? 0) + 1);
          await promises[key]!({ ran, shell: session, api });
        }
      }
    }

    expect(skipped).toEqual(NOT_RUN);
    expect(baseSet).toBeGreaterThanOrEqual(1);
    expect(ranCount).toBeGreaterThan(50);
    // Every promise matched exactly one command: none went stale when the README changed.
    expect(Object.fromEntries(Object.keys(promises).map((key) => [key, used.get(key) ?? 0]))).toEqual(Object.fromEntries(Object.keys(promises).map((key) => [key, 1])));

    // The outcomes that take a while: the hanging order times out (its charge takes 35 s,
    // past the step's 30 s timeout) and alerts the operator; the cancelled one ends cancelled.
    const hang = await session.get("HANG");
    const slow = await session.get("SLOW");
    await until("the hanging order to time out, and the cancelled one to end cancelled", async () => {
      const [h, s] = await Promise.all([runStatus(hang), runStatus(slow)]);
      return h.status === "timed_out" && s.status === "cancelled";
    }, 90_000, 500);
    expect(await runStatus(hang)).toMatchObject({ status: "timed_out", onTimeout: { status: "completed" } });
  }, 170_000);

  /** GET /v1/metrics with a token holding only metrics:read, as the README's scrape config does. */
  const scrape = async (): Promise<string> => {
    const token = await signToken(secret, { subject: "readme-scrape", tenant: "local", caps: ["metrics:read"], rps: 100_000 });
    const response = await fetch(`${base}/v1/metrics`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
    expect(response.status).toBe(200);
    return response.text();
  };

  it("after it ran, GET /v1/metrics reads back through an independent parse, with samples from every layer", async () => {
    // The HTTP/auth layer: the README refuses no capability, so one refusal here (403, audited and counted).
    const reader = await signToken(secret, { subject: "readme-scrape", tenant: "local", caps: ["metrics:read"], rps: 100_000 });
    expect((await fetch(`${base}/v1/agents/c1`, { headers: { authorization: `Bearer ${reader}` } })).status).toBe(403);
    const local = { tenant: "local" };
    let series: ReturnType<typeof parseExposition>["series"] = [];
    // Counts reach the scrape on the next metrics flush (JIDO_METRICS_FLUSH_MS, 5 s by default).
    await until("the scrape to count every layer's work", async () => {
      series = parseExposition(await scrape()).series;
      return sum(series, "jido_authorization_denials_total", local) >= 1 && sum(series, "jido_runs_finished_total", { ...local, status: "cancelled" }) >= 1;
    }, 30_000, 500);
    // Agents: the counters' increments, and their durations.
    expect(sum(series, "jido_actions_total", { ...local, type: "counter", action: "increment", outcome: "ok" })).toBeGreaterThan(0);
    expect(sum(series, "jido_action_duration_seconds_count", local)).toBeGreaterThan(0);
    // Events: the order events published, and delivered to the count-orders subscription.
    expect(sum(series, "jido_events_published_total", { ...local, stream: "order" })).toBeGreaterThan(0);
    expect(sum(series, "jido_events_delivered_total", { ...local, subscription: "count-orders", outcome: "ok" })).toBeGreaterThan(0);
    // Runs: order runs started and completed, their steps timed; the timed-out and cancelled ones.
    expect(sum(series, "jido_runs_started_total", { ...local, workflow: "order_processing" })).toBeGreaterThan(0);
    expect(sum(series, "jido_runs_finished_total", { ...local, workflow: "order_processing", status: "completed" })).toBeGreaterThan(0);
    expect(sum(series, "jido_runs_finished_total", { ...local, workflow: "order_processing", status: "timed_out" })).toBeGreaterThan(0);
    expect(sum(series, "jido_step_duration_seconds_count", local)).toBeGreaterThan(0);
    // HTTP/auth: the refusal above.
    expect(sum(series, "jido_authorization_denials_total", local)).toBeGreaterThan(0);
  }, 60_000);

  it.skipIf(PROMTOOL === "")("after it ran, `promtool check metrics` passes on GET /v1/metrics (skipped only when promtool is not installed)", async () => {
    const text = await scrape();
    const lint = promtoolCheck(text);
    expect(lint.output, text).toBe("");
    expect(lint.status).toBe(0);
  });
});
