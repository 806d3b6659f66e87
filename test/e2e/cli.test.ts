// The `jido` command-line tool as a user runs it: the real binary (bin/jido.mjs, as
// `npx jido` starts it) against a real `wrangler dev` seeded as `npm start` seeds the
// local tenant. Checks what it prints (tables, --json shapes), what goes to stderr, and
// the exit codes: 0 success, 1 a failed request or run, 2 a usage error.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, ROOT, startDevServer } from "../../scripts/lib/dev-server.ts";
import { seedAgents } from "../../scripts/lib/seed-agents.ts";
import { createClient } from "../../src/client/index.ts";
import { adminToken } from "./http.ts";
import { startRecordingProxy } from "./recording-proxy.ts";
import { until } from "./until.ts";

type Run = { code: number; stdout: string; stderr: string };

const dir = mkdtempSync(join(tmpdir(), "jido-e2e-cli-"));
const devVars = join(dir, ".dev.vars");
const profiles = join(dir, "profiles.json");
let server: DevServer | undefined;
let token = "";

/** Runs `jido <args>` with JIDO_URL and JIDO_TOKEN set (unless `env` overrides them). */
const jido = (args: string[], env: Record<string, string | undefined> = {}): Promise<Run> =>
  new Promise((resolve) => {
    const all = { ...process.env, JIDO_URL: server?.url, JIDO_TOKEN: token, JIDO_DEV_VARS: devVars, JIDO_PROFILES: profiles, JIDO_PROFILE: undefined, ...env };
    execFile(process.execPath, [join(ROOT, "bin/jido.mjs"), ...args], { cwd: ROOT, env: all, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });

const ok = (run: Run): Run => {
  expect(run, `${run.stderr}\n${run.stdout}`).toMatchObject({ code: 0, stderr: "" });
  return run;
};
const jsonOf = (run: Run): Record<string, unknown> => JSON.parse(ok(run).stdout) as Record<string, unknown>;
const STACK_FRAME = /^\s+at /m;

beforeAll(async () => {
  server = await startDevServer({ persistTo: join(dir, "state") });
  // `jido token` signs with the secret in $JIDO_DEV_VARS: the server's.
  writeFileSync(devVars, `JIDO_JWT_SECRET=${server.secret}\n`);
  token = await adminToken(server.secret, { tenant: "local", subject: "local-admin" });
  await seedAgents(server.url, token);
}, 180_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("jido", () => {
  it("spawns an agent, calls it, lists it and gets it", async () => {
    const spawned = ok(await jido(["agents", "spawn", "counter", "cli-c1"]));
    expect(spawned.stdout).toMatch(/^id:\s+cli-c1$/m);
    expect(spawned.stdout).toMatch(/^status:\s+running$/m);

    expect(jsonOf(await jido(["agents", "call", "cli-c1", "increment", '{"by":2}', "--key", "cli-inc-1"]))).toEqual({ value: 2 });
    // The same key answers the first result.
    expect(jsonOf(await jido(["--json", "agents", "call", "cli-c1", "increment", '{"by":2}', "--key", "cli-inc-1"]))).toEqual({ value: 2 });

    // The directory lists it a moment after the spawn is answered.
    let listed = "";
    await until("the directory to list cli-c1", async () => {
      listed = ok(await jido(["agents", "list", "--type", "counter"])).stdout;
      return /^cli-c1\s+counter\s+running\b/m.test(listed);
    }, 30_000, 200);
    expect(listed.split("\n")[0]).toMatch(/^ID\s+TYPE\s+STATUS\s+LABELS\s+IN-FLIGHT\s+P50-MS$/);
    const page = jsonOf(await jido(["agents", "list", "--type", "counter", "--json"]));
    expect(page).toMatchObject({ items: [{ id: "cli-c1", type: "counter", status: "running" }], next: null });

    const agent = jsonOf(await jido(["agents", "get", "cli-c1", "--json"]));
    expect(agent).toMatchObject({ id: "cli-c1", type: "counter", status: "running", state: { value: 2 }, counters: { calls: 1, failures: 0 } });
    expect(Object.keys(agent).sort()).toEqual(
      ["breaker", "counters", "createdAt", "id", "labels", "outbox", "placement", "state", "stateVersion", "status", "supervision", "type", "typeVersion", "updatedAt", "version"].sort(),
    );
    expect(ok(await jido(["agents", "get", "cli-c1"])).stdout).toMatch(/^state:\s+\{"value":2\}$/m);
  });

  it("pauses, resumes, checkpoints, restores and deletes", async () => {
    ok(await jido(["agents", "spawn", "counter", "cli-c2", "--state", '{"value":5}']));
    expect(jsonOf(await jido(["agents", "pause", "cli-c2", "--json"]))).toMatchObject({ status: "paused" });
    const refused = await jido(["agents", "call", "cli-c2", "increment", '{"by":1}']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: 409 /);
    expect(jsonOf(await jido(["agents", "resume", "cli-c2", "--json"]))).toMatchObject({ status: "running" });
    const file = join(dir, "c2.json");
    ok(await jido(["agents", "checkpoint", "cli-c2", "--out", file]));
    expect(jsonOf(await jido(["agents", "restore", "cli-c3", "--from", file, "--json"]))).toMatchObject({ id: "cli-c3", state: { value: 5 } });
    expect(jsonOf(await jido(["agents", "delete", "cli-c2", "--json"]))).toEqual({ id: "cli-c2", deleted: true });
    expect((await jido(["agents", "get", "cli-c2"])).code).toBe(1);
  });

  it("exits 1 with the problem's title and detail on stderr when a request fails", async () => {
    const run = await jido(["agents", "get", "no-such-agent"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const [title, detail] = run.stderr.split("\n");
    expect(title).toBe("error: 404 Agent not found");
    expect(detail).toMatch(/no-such-agent/);
    expect(run.stderr).not.toMatch(STACK_FRAME);

    // Invalid input: the fields the platform named.
    const invalid = await jido(["agents", "call", "cli-c1", "increment", '{"by":"two"}']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^error: 400 /);
    expect(invalid.stderr).toMatch(/^ {2}\S*by\S*: /m);
  });

  it.each([
    [["agents", "list", "--nope"], /unknown option '--nope'/],
    [["agents", "call", "cli-c1", "increment", "{by:2}"], /'\{by:2\}' is not valid JSON/],
    [["agents", "get"], /missing required argument 'id'/],
    [["nope"], /unknown command 'nope'/],
    [["agents"], /Usage: jido agents/],
    [["bench", "cli-c1", "increment", "-n", "0"], /'0' is not a positive whole number/],
    [["--profile", "staging", "agents", "list"], /profile 'staging' is not in/],
  ])("exits 2 on the usage error %j, saying what is wrong, without a request or a stack trace", async (args, message) => {
    const run = await jido(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it("answers --help on every command with exit 0", async () => {
    for (const args of [[], ["agents"], ["agents", "call"], ["events", "tail"], ["workflows", "run"], ["runs", "signal"], ["subs", "create"], ["token"], ["bench"]]) {
      const run = ok(await jido([...args, "--help"]));
      expect(run.stdout).toMatch(new RegExp(`^Usage: jido${args.map((a) => ` ${a}`).join("")} `));
    }
  });

  it("runs the built-in order_processing with --wait, printing each step's transition, to completed", async () => {
    const input = JSON.stringify({ order_id: "cli-o-1", amount: 42, items: 2, payment: "succeed" });
    const run = ok(await jido(["workflows", "run", "order_processing", input, "--wait", "--interval", "100"]));
    const lines = run.stdout.trim().split("\n");
    expect(lines.at(-1)).toMatch(/^run run_\S+: completed$/);
    expect(lines).toContainEqual(expect.stringMatching(/^step validate_order: completed \(agent validator-us-\d/));
    // Each transition once: no line repeats.
    expect(new Set(lines).size).toBe(lines.length);

    // --json: the final run alone; a declined payment takes the false branch and still completes.
    const declined = JSON.stringify({ order_id: "cli-o-2", amount: 42, items: 2, payment: "decline" });
    const final = jsonOf(await jido(["workflows", "run", "order_processing", declined, "--wait", "--interval", "100", "--json"]));
    expect(final).toMatchObject({ workflow: "order_processing", status: "completed", steps: expect.any(Array) });

    // A failing payment is compensated: the run ends other than completed, exit 1.
    const failing = JSON.stringify({ order_id: "cli-o-3", amount: 42, items: 2, payment: "fail" });
    const failed = await jido(["workflows", "run", "order_processing", failing, "--wait", "--interval", "100"]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^run run_\S+: compensated$/m);
    expect(failed.stderr).toMatch(/^error: run run_\S+ ended compensated/);

    // runs get / list show it.
    const id = /^run (run_\S+): completed$/m.exec(run.stdout)?.[1] ?? "";
    expect(jsonOf(await jido(["runs", "get", id, "--json"]))).toMatchObject({ id, status: "completed" });
    expect(ok(await jido(["runs", "get", id])).stdout).toMatch(/^STEP\s+KIND\s+STATUS\s+ATTEMPTS\s+AGENT\s+MS\s+ERROR$/m);
    expect(ok(await jido(["runs", "list", "--workflow", "order_processing", "--status", "completed"])).stdout).toContain(id);
    const cancel = await jido(["runs", "cancel", id]);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toMatch(/^error: 409 /);
  });

  it("registers a workflow from a file and runs it with agents it spawns", async () => {
    expect(ok(await jido(["workflows", "register", join(ROOT, "examples/count-workflow.json")])).stdout).toBe("registered count_twice@1.0.0\n");
    expect(ok(await jido(["workflows", "list"])).stdout).toMatch(/^count_twice\s+1\.0\.0\s+counter\s/m);
    const run = ok(await jido(["workflows", "run", "count_twice", '{"by":3}', "--wait", "--interval", "100"]));
    expect(run.stdout).toMatch(/^step first: completed \(agent run_\S+\.counter\.\d+, \d+ ms\)$/m);
    expect(run.stdout).toMatch(/^step second: completed /m);
    expect(run.stdout.trim().split("\n").at(-1)).toMatch(/^run run_\S+: completed$/);
    const counter = /agent (run_\S+\.counter\.\d+)/.exec(run.stdout)?.[1] ?? "";
    expect(jsonOf(await jido(["agents", "get", counter, "--json"]))).toMatchObject({ state: { value: 6 } });
    // Without --wait: the run's id alone, for scripts.
    expect(ok(await jido(["workflows", "run", "count_twice", '{"by":1}'])).stdout).toMatch(/^run_\S+\n$/);
    // The platform's refusal of a bad definition names the path.
    const bad = join(dir, "bad-workflow.json");
    writeFileSync(bad, JSON.stringify({ name: "bad", version: "1", participants: {}, flow: [] }));
    const refused = await jido(["workflows", "register", bad]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: 400 /);
    expect(refused.stderr).toMatch(/^ {2}version: /m);
  });

  it("--wait follows the run live: GET /v1/runs/:id/live, and a read of the run per transition at most (none on a timer while it waits)", async () => {
    ok(await jido(["workflows", "register", join(ROOT, "examples/approval-workflow.json")]));
    const proxy = await startRecordingProxy(server!.url);
    const direct = createClient({ baseUrl: server!.url, token });
    try {
      const input = JSON.stringify({ order_id: "cli-a-1", amount: 10, items: 1 });
      // --interval 20: were --wait polling, the seconds at the await below would cost it a read every 20 ms.
      const waiting = jido(["workflows", "run", "order_approval", input, "--wait", "--interval", "20"], { JIDO_URL: proxy.url });
      let id = "";
      await until("the CLI to open the run's live stream", () => {
        id = proxy.requests.map((r) => /^GET \/v1\/runs\/(run_[^/]+)\/live$/.exec(r)?.[1]).find(Boolean) ?? "";
        return id !== "";
      });
      await until("the run to wait at its await", async () => (await direct.runs.get(id)).steps.some((s) => s.name === "approval" && s.status === "waiting"));
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await direct.runs.signal(id, { type: "order.approved", role: "approver", data: { by: "cli-test" } });
      const run = ok(await waiting);
      expect(run.stdout).toMatch(/^step approval: waiting$/m);
      expect(run.stdout.trim().split("\n").at(-1)).toBe(`run ${id}: completed`);
      const transitions = [];
      for await (const event of direct.runs.watch(id)) transitions.push(event);
      const reads = proxy.requests.filter((r) => r === `GET /v1/runs/${id}`).length;
      expect(reads).toBeGreaterThan(0);
      expect(reads).toBeLessThanOrEqual(transitions.length);
    } finally {
      await proxy.close();
    }
  });

  it("publishes events, reads them back and tails them", async () => {
    const published = jsonOf(await jido(["events", "publish", "clitest.created", '{"n":1}', "--id", "cli-e-1", "--json"]));
    expect(published).toEqual({ items: [{ id: "cli-e-1", stream: "clitest", sequence: 1, duplicate: false }] });
    ok(await jido(["events", "publish", "clitest.updated", '{"n":2}']));

    const page = jsonOf(await jido(["events", "read", "clitest", "--json"]));
    expect(page).toMatchObject({ items: [{ id: "cli-e-1", type: "clitest.created", sequence: 1, data: { n: 1 } }, { type: "clitest.updated", sequence: 2 }], next: null });
    const table = ok(await jido(["events", "read", "clitest"])).stdout;
    expect(table).toMatch(/^\s*1\s+\S+\s+clitest\.created\s+cli-e-1\s+\{"n":1\}$/m);

    const tailed = ok(await jido(["events", "tail", "clitest", "--from", "1", "--count", "2", "--json"]));
    expect(tailed.stdout.trim().split("\n").map((line) => JSON.parse(line) as { sequence: number })).toMatchObject([{ sequence: 1 }, { sequence: 2 }]);
  });

  it("mints local tokens the platform accepts, with the capabilities asked for", async () => {
    const minted = jsonOf(await jido(["token", "--cap", "agents:read:*", "--json"]));
    expect(minted).toMatchObject({ tenant: "local", subject: "local-user", caps: ["agents:read:*"] });
    const reader = String(minted.token);
    expect(jsonOf(await jido(["agents", "get", "cli-c1", "--json"], { JIDO_TOKEN: reader }))).toMatchObject({ id: "cli-c1" });
    const denied = await jido(["agents", "spawn", "counter", "cli-denied", "--token", reader]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^error: 403 Forbidden\n.*agents:spawn:counter/);
    expect(ok(await jido(["token"])).stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  });

  it("reads the URL and token from a profile", async () => {
    writeFileSync(profiles, JSON.stringify({ profiles: { e2e: { url: server?.url, token } } }));
    const run = await jido(["agents", "get", "cli-c1", "--profile", "e2e", "--json"], { JIDO_URL: "http://127.0.0.1:9", JIDO_TOKEN: "nope" });
    expect(jsonOf(run)).toMatchObject({ id: "cli-c1" });
    expect(jsonOf(await jido(["agents", "get", "cli-c1", "--json"], { JIDO_URL: undefined, JIDO_TOKEN: undefined, JIDO_PROFILE: "e2e" }))).toMatchObject({ id: "cli-c1" });
  });

  it("benches an action and reports req/s and percentiles", async () => {
    const summary = jsonOf(await jido(["bench", "cli-c1", "increment", "--input", '{"by":1}', "-n", "20", "-c", "4", "--json"]));
    expect(summary).toMatchObject({ requests: 20, ok: 20, failed: 0, statuses: { "200": 20 } });
    expect(summary.rps).toBeGreaterThan(0);
    expect(summary.p50Ms).toBeLessThanOrEqual(Number(summary.p99Ms));
    expect(jsonOf(await jido(["agents", "get", "cli-c1", "--json"]))).toMatchObject({ state: { value: 22 } });
    const human = ok(await jido(["bench", "cli-c1", "increment", "-n", "4", "-c", "2", "--input", '{"by":1}'])).stdout;
    expect(human).toMatch(/^req\/s:\s+\d/m);
    expect(human).toMatch(/^p99 ms:\s+\d/m);
    // Not a terminal: no progress bar in the output.
    expect(human).not.toContain("calls [");
  });
});
