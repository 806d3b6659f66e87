// Why: `wrangler dev` runs workerd as a child of its own. Signalling wrangler alone can
// leave workerd running (holding the port, answering nothing) when wrangler is stuck or
// killed. Scripts therefore spawn wrangler `detached` (leader of its own process group)
// and signal the whole group, ending with SIGKILL if it does not go in time. Only groups
// started by the calling script are ever signalled. POSIX only (process groups).
import { type ChildProcess, execFileSync } from "node:child_process";

export const hasExited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

export const exited = (child: ChildProcess): Promise<void> =>
  hasExited(child) ? Promise.resolve() : new Promise((resolve) => child.once("exit", () => resolve()));

/** Sends `signal` to every process of the group led by `pid`; false when none is left. */
export const signalGroup = (pid: number | undefined, signal: NodeJS.Signals | 0): boolean => {
  if (pid === undefined) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is gone.
  }
};

export type ProcessInfo = { pid: number; ppid: number; pgid: number; zombie: boolean };

/** Every process on the machine, from `ps` (Linux and macOS). */
export const listProcesses = (): ProcessInfo[] =>
  execFileSync("ps", ["-A", "-o", "pid=,ppid=,pgid=,stat="], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 4)
    .map(([pid, ppid, pgid, stat]) => ({ pid: Number(pid), ppid: Number(ppid), pgid: Number(pgid), zombie: stat!.startsWith("Z") }));

/**
 * Whether any process of the group led by `pid` is still running. A zombie (exited,
 * waiting for init to reap it) does not count, although `kill(-pgid, 0)` still finds it.
 */
export const groupRunning = (pid: number | undefined): boolean => {
  if (!signalGroup(pid, 0)) return false;
  try {
    return listProcesses().some((p) => p.pgid === pid && !p.zombie);
  } catch {
    return true; // No `ps`: trust kill().
  }
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until no process of the group is running, at most `timeoutMs`; true when gone. */
export const groupGone = async (pid: number | undefined, timeoutMs: number): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (groupRunning(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(200);
  }
  return true;
};

/**
 * Stops the group led by `child`: `signal` to all of it, SIGKILL to what is left after
 * `graceMs`; resolves once the leader has exited and the rest of the group is gone (or
 * has been sent SIGKILL).
 */
export const stopGroup = async (child: ChildProcess, signal: NodeJS.Signals, graceMs = 5_000): Promise<void> => {
  if (!hasExited(child)) signalGroup(child.pid, signal);
  const timer = setTimeout(() => signalGroup(child.pid, "SIGKILL"), graceMs);
  await exited(child);
  clearTimeout(timer);
  await reapGroup(child, graceMs);
};

/**
 * After the leader has exited: what is left of its group (workerd may outlive wrangler
 * by a moment, or for good when wrangler crashed) gets SIGTERM, then SIGKILL.
 */
export const reapGroup = async (child: ChildProcess, graceMs = 5_000): Promise<void> => {
  if (!groupRunning(child.pid)) return;
  signalGroup(child.pid, "SIGTERM");
  if (!(await groupGone(child.pid, graceMs))) signalGroup(child.pid, "SIGKILL");
};

/**
 * Calls `onGone` once when this process's parent goes away (it is then re-parented, so
 * `process.ppid` changes). The check runs on an unref'd timer: it never keeps the
 * process alive by itself.
 */
export const watchParent = (onGone: () => void, intervalMs = 500): void => {
  const parent = process.ppid;
  if (parent <= 1) return; // Started by init: there is no parent to outlive.
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
};
