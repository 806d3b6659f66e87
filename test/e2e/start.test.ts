// `npm start` owns its children: whichever way it is stopped (Ctrl-C, its parent dying,
// wrangler exiting), no wrangler or workerd process is left behind holding the port.
// Runs `node --import tsx scripts/start.ts` as `npm start` does (package.json), on a free
// port and a temporary state directory, records every process below it once it answers
// /healthz, then checks that each of them has exited. Ctrl-C must end it with exit 0:
// no wrapper process in between may turn the signal into another exit code.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, ROOT } from "../../scripts/lib/dev-server.ts";
import { exited, listProcesses, type ProcessInfo, signalGroup } from "../../scripts/lib/process-group.ts";
import { until } from "./until.ts";

// The scripts' secrets go to a file of this test's own, never to the repository's .dev.vars.
process.env.JIDO_DEV_VARS = join(mkdtempSync(join(tmpdir(), "jido-e2e-devvars-")), ".dev.vars");

type Started = {
  /** The process running `scripts/start.ts`, or (`withParent`) a shell whose child it is. */
  top: ChildProcess;
  url: string;
  /** Every process below `top` once the server answered. */
  tree: ProcessInfo[];
  /** The process group wrangler leads (wrangler and its workerd). */
  wranglerGroup: number;
  output: () => string;
};

const running: Started[] = [];
const dirs: string[] = [];

const descendants = (root: number): ProcessInfo[] => {
  const all = listProcesses().filter((p) => !p.zombie);
  const found: ProcessInfo[] = [];
  const parents = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid);
        found.push(p);
        grew = true;
      }
    }
  }
  return found;
};

const stillRunning = (pids: number[]): number[] => {
  const live = new Set(listProcesses().filter((p) => !p.zombie).map((p) => p.pid));
  return pids.filter((pid) => live.has(pid));
};

const answers = async (url: string): Promise<boolean> => {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
};

/**
 * Starts `npm start`'s command. `withParent`: under a shell that stays its parent (the
 * trailing `:` keeps the shell from exec'ing it), for the test that kills that parent.
 */
const startPlatform = async ({ withParent = false } = {}): Promise<Started> => {
  const port = await freePort();
  const persistTo = mkdtempSync(join(tmpdir(), "jido-e2e-start-"));
  dirs.push(persistTo);
  const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  expect(manifest.scripts.start).toBe("node --import tsx scripts/start.ts");
  const args = ["--import", "tsx", "scripts/start.ts", "--port", String(port), "--persist-to", persistTo, "--", "--inspector-port", String(await freePort())];
  // Its own process group, like a shell job: a group SIGINT is what Ctrl-C sends.
  const top = withParent
    ? spawn("sh", ["-c", '"$0" "$@"; :', process.execPath, ...args], { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] })
    : spawn(process.execPath, args, { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  top.stdout?.on("data", (chunk) => (output += chunk));
  top.stderr?.on("data", (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const started: Started = { top, url, tree: [], wranglerGroup: -1, output: () => output };
  running.push(started);
  await until(`npm start to answer on ${url}`, async () => {
    if (top.exitCode !== null) throw new Error(`start.ts exited early (${top.exitCode}):\n${output}`);
    return answers(url);
  }, 90_000, 250);
  started.tree = descendants(top.pid!);
  const leader = started.tree.find((p) => p.pid === p.pgid && p.pgid !== top.pid);
  if (!leader) throw new Error(`no process group of wrangler below ${top.pid}: ${JSON.stringify(started.tree)}`);
  started.wranglerGroup = leader.pgid;
  return started;
};

/** Every recorded process, and anything left in wrangler's group, has exited. */
const allGone = async (started: Started): Promise<void> => {
  const pids = started.tree.map((p) => p.pid);
  await until("every process below npm start to exit", () => {
    const groupLeft = listProcesses().some((p) => p.pgid === started.wranglerGroup && !p.zombie);
    return stillRunning(pids).length === 0 && !groupLeft;
  }, 30_000, 200);
  expect(await answers(started.url)).toBe(false);
};

afterEach(() => {
  // A failed test must not leave servers behind: kill only the groups recorded here.
  for (const started of running.splice(0)) {
    signalGroup(started.top.pid, "SIGKILL");
    if (started.wranglerGroup > 0) signalGroup(started.wranglerGroup, "SIGKILL");
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("npm start", () => {
  it("stops wrangler and workerd on Ctrl-C, and exits 0", async () => {
    const started = await startPlatform();
    // wrangler, its CLI process and at least one workerd, besides start.ts itself.
    expect(started.tree.filter((p) => p.pgid === started.wranglerGroup).length).toBeGreaterThanOrEqual(3);

    signalGroup(started.top.pid, "SIGINT");
    await exited(started.top);
    expect(started.top.exitCode).toBe(0);
    await allGone(started);
  });

  it("stops its children when its parent dies", async () => {
    const started = await startPlatform({ withParent: true });
    // The shell is the parent of the process running start.ts; kill it outright.
    const script = started.tree.find((p) => p.ppid === started.top.pid)!;
    expect(script).toBeDefined();
    started.top.kill("SIGKILL");
    await allGone(started);
    expect(stillRunning([script.pid])).toEqual([]);
  });

  it("exits, and takes workerd along, when wrangler dies", async () => {
    const started = await startPlatform();
    process.kill(started.wranglerGroup, "SIGKILL"); // wrangler alone, not its group.
    await exited(started.top);
    expect(started.top.exitCode).not.toBe(0);
    await allGone(started);
  });
});
