// The bench's `wrangler dev` servers: started through the shared scripts/lib/dev-server.ts
// (127.0.0.1, free port, --persist-to, --show-interactive-dev-session=false, own process
// group), with output captured to a log file under /tmp, restart on the same persisted
// state (for cold measurements), CPU accounting of the server's process group, and a
// cleanup that stops exactly the servers started here on exit, error, SIGINT and SIGTERM.
import { appendFileSync, readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { type DevServer, startDevServer } from "../../lib/dev-server.ts";

export type BenchServer = {
  readonly name: string;
  readonly logFile: string;
  readonly persistTo: string;
  /** Current base URL (the port stays the same across restarts). */
  url: string;
  host: string;
  port: number;
  /** Process group id of the current wrangler process (it leads its group). */
  pid: number;
  /** The token secret the server verifies with, when dev-server.ts reports one (kept across restarts). */
  secret: string | undefined;
  /** Stops the server and starts it again on the same persisted state and port. */
  restart(): Promise<void>;
  /** Crash: SIGKILL of the whole process group, no warning (nothing is started again). */
  kill(): Promise<void>;
  /** Starts the server again on the same state and port after `kill`. */
  start(): Promise<void>;
  stop(): Promise<void>;
};

const running = new Set<BenchServer>();

/** Graceful stop, then waits (bounded) until no live process of its group remains. */
const stopDev = async (dev: DevServer): Promise<void> => {
  await dev.stop();
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && groupProcs(dev.pid).some((proc) => proc.state !== "Z")) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const left = groupProcs(dev.pid).filter((proc) => proc.state !== "Z");
  if (left.length > 0) {
    console.error(`bench: processes of server group ${dev.pid} still alive after stop: ${left.map((proc) => `${proc.name}[${proc.pid}]`).join(", ")}; SIGKILL`);
    await dev.kill();
  }
};

/** The secret a dev server verifies tokens with, if this version of dev-server.ts reports one. */
const secretOf = (dev: DevServer): string | undefined => {
  const secret = (dev as { secret?: unknown }).secret;
  return typeof secret === "string" ? secret : undefined;
};

export const startBenchServer = async (options: {
  name: string;
  persistTo: string;
  logFile: string;
  config?: string;
  /** `--var NAME:value` bindings, kept across restarts. */
  vars?: Record<string, string>;
}): Promise<BenchServer> => {
  const launch = (port?: number, secret?: string): Promise<DevServer> =>
    startDevServer({
      persistTo: options.persistTo,
      logFile: options.logFile,
      readyTimeoutMs: 120_000,
      vars: { ...options.vars, ...(secret ? { JIDO_JWT_SECRET: secret } : {}) },
      ...(options.config ? { config: options.config } : {}),
      ...(port ? { port } : {}),
    });
  appendFileSync(options.logFile, `--- bench: starting ${options.name} at ${new Date().toISOString()}\n`);
  let dev = await launch();
  const server: BenchServer = {
    name: options.name,
    logFile: options.logFile,
    persistTo: options.persistTo,
    url: dev.url,
    host: "127.0.0.1",
    port: dev.port,
    pid: dev.pid,
    secret: secretOf(dev),
    restart: async () => {
      await stopDev(dev);
      appendFileSync(options.logFile, `--- bench: restarting ${options.name} at ${new Date().toISOString()}\n`);
      dev = await launch(server.port, server.secret);
      server.url = dev.url;
      server.pid = dev.pid;
      server.secret = secretOf(dev);
    },
    kill: async () => {
      await dev.kill();
      appendFileSync(options.logFile, `--- bench: SIGKILLed ${options.name} at ${new Date().toISOString()}\n`);
    },
    start: async () => {
      appendFileSync(options.logFile, `--- bench: starting ${options.name} again at ${new Date().toISOString()}\n`);
      dev = await launch(server.port, server.secret);
      server.url = dev.url;
      server.pid = dev.pid;
      server.secret = secretOf(dev);
    },
    stop: async () => {
      running.delete(server);
      await stopDev(dev);
    },
  };
  running.add(server);
  return server;
};

/** Stops every server started here that is still running (graceful, then SIGKILL). */
export const stopAllServers = async (): Promise<void> => {
  await Promise.allSettled([...running].map((server) => server.stop()));
};

const cleanups = new Set<() => void>();

/** Runs `fn` if the process is ended by SIGINT / SIGTERM (after the servers stopped); returns its remover. */
export const onSignalCleanup = (fn: () => void): (() => void) => {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
};

let handlersInstalled = false;
/** On SIGINT / SIGTERM: stop our servers, run the cleanups, then exit 130 / 143. Idempotent. */
export const installSignalCleanup = (): void => {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal}, stopping the servers it started`);
      const finish = () => {
        for (const fn of cleanups) {
          try {
            fn();
          } catch {
            // best effort
          }
        }
        process.exit(code);
      };
      // A second signal, or a stop that hangs, still ends the process; dev-server.ts
      // SIGKILLs the remaining process groups on exit.
      process.once(signal, finish);
      const force = setTimeout(finish, 10_000);
      void stopAllServers().finally(() => {
        clearTimeout(force);
        finish();
      });
    });
  }
};

// --- CPU accounting ----------------------------------------------------------------

const CLOCK_TICKS = 100; // USER_HZ on Linux
const CORES = availableParallelism();
const PAGE_BYTES = 4096;

type Proc = { pid: number; name: string; state: string; cmdline: string; cpuSeconds: number; rssBytes: number };

/** The processes of a process group: CPU seconds (user + system) used so far and resident memory. */
const groupProcs = (pgid: number): Proc[] => {
  const procs: Proc[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return procs;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    let cmdline = "";
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      if (Number(stat.slice(close + 2).split(" ")[2]) !== pgid) continue;
      cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
    } catch {
      continue; // exited meanwhile
    }
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" "); // fields[0] is field 3 (state)
    procs.push({
      pid: Number(entry),
      name: stat.slice(stat.indexOf("(") + 1, close),
      state: fields[0] ?? "?",
      cmdline,
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS, // utime, stime
      rssBytes: Number(fields[21]) * PAGE_BYTES,
    });
  }
  return procs;
};

/**
 * A readable role for a process of a `wrangler dev` group. wrangler runs two workerd
 * processes: its dev proxy, which listens on the public port and forwards every request,
 * and the one running the Worker and its Durable Objects.
 */
const roleOf = (proc: Proc, port: number): string => {
  if (proc.name === "workerd") return proc.cmdline.includes(`entry=127.0.0.1:${port} `) ? "workerd-proxy" : "workerd-worker";
  if (proc.name === "node") return proc.cmdline.includes("wrangler-dist/cli.js") ? "wrangler" : "wrangler-launcher";
  return proc.name;
};

/** The pid of the workerd running the Worker and its objects (undefined while it is not up). */
export const workerPid = (server: BenchServer): number | undefined =>
  groupProcs(server.pid).find((proc) => proc.state !== "Z" && roleOf(proc, server.port) === "workerd-worker")?.pid;

/** "workerd-worker 812 MB, wrangler 140 MB, ..." */
export const groupRss = (server: BenchServer): string =>
  groupProcs(server.pid)
    .sort((a, b) => b.rssBytes - a.rssBytes)
    .filter((proc) => proc.rssBytes >= 2 ** 20)
    .map((proc) => `${roleOf(proc, server.port)} ${Math.round(proc.rssBytes / 2 ** 20)} MB`)
    .join(", ") || "n/a";

/** Busy CPU seconds of the whole machine so far (all cores), from /proc/stat. */
const machineBusySeconds = (): number => {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
};

export type CpuMark = { server: Proc[]; pgid: number; client: NodeJS.CpuUsage; machine: number; at: number };
export const cpuMark = (server: BenchServer): CpuMark => ({
  server: groupProcs(server.pid),
  pgid: server.pid,
  client: process.cpuUsage(),
  machine: machineBusySeconds(),
  at: performance.now(),
});

export type CpuReport = {
  /** "CPU: server 2.60s (workerd-worker 1.34s, workerd-proxy 1.21s, ...), bench client 0.40s, ..." */
  text: string;
  /** The server's workerd processes changed: wrangler reloaded it (a watched source file changed?) or it restarted. */
  reloaded: boolean;
  wallSeconds: number;
  /** CPU seconds of the workerd running the Worker and its Durable Objects. */
  workerSeconds: number;
  /** CPU seconds of wrangler's dev proxy workerd (forwards every request; not part of a deployment). */
  proxySeconds: number;
  serverSeconds: number;
  clientSeconds: number;
  /** CPU seconds of everything else on the machine (other processes: noise). */
  otherSeconds: number;
};

export const cpuSince = (server: BenchServer, mark: CpuMark): CpuReport => {
  const now = groupProcs(server.pid);
  const wallSeconds = (performance.now() - mark.at) / 1000;
  const before = new Map(mark.server.map((proc) => [proc.pid, proc.cpuSeconds]));
  const byRole = new Map<string, number>();
  for (const proc of now) {
    const role = roleOf(proc, server.port);
    byRole.set(role, (byRole.get(role) ?? 0) + proc.cpuSeconds - (before.get(proc.pid) ?? 0));
  }
  const serverSeconds = [...byRole.values()].reduce((sum, seconds) => sum + seconds, 0);
  const parts = [...byRole]
    .filter(([, seconds]) => seconds >= 0.005)
    .sort((a, b) => b[1] - a[1])
    .map(([role, seconds]) => `${role} ${seconds.toFixed(2)}s`);
  const client = process.cpuUsage(mark.client);
  const clientSeconds = (client.user + client.system) / 1e6;
  const otherSeconds = Math.max(0, machineBusySeconds() - mark.machine - serverSeconds - clientSeconds);
  const workerds = (procs: Proc[]) => procs.filter((proc) => proc.name === "workerd").map((proc) => proc.pid).sort().join(",");
  const reloaded = mark.pgid !== server.pid || workerds(mark.server) !== workerds(now);
  return {
    text:
      `CPU: server ${serverSeconds.toFixed(2)}s (${parts.join(", ") || "n/a"}), bench client ${clientSeconds.toFixed(2)}s, ` +
      `other processes ${otherSeconds.toFixed(2)}s; ${wallSeconds.toFixed(1)}s wall x ${CORES} cores = ${(CORES * wallSeconds).toFixed(1)} core-s` +
      (reloaded ? "; WARNING: the server's workerd processes changed during this measurement (wrangler reloaded it: a watched source file changed?)" : ""),
    reloaded,
    wallSeconds,
    workerSeconds: byRole.get("workerd-worker") ?? 0,
    proxySeconds: byRole.get("workerd-proxy") ?? 0,
    serverSeconds,
    clientSeconds,
    otherSeconds,
  };
};
