// Starts and stops real `wrangler dev` processes for end-to-end tests and benchmarks:
// bound to 127.0.0.1 on a free port, persisting to a given directory, each in its own
// process group so that a SIGKILL takes workerd down with it. Only processes started
// here are ever signalled.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { exited, hasExited, signalGroup as signalPgid } from "./process-group.ts";
import { WRANGLER, wranglerEnv } from "./wrangler-env.ts";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * The webhook policy's local-development exceptions: http, and 127.0.0.1 (where test
 * and bench webhook receivers listen). Pass them in `vars` to servers that deliver
 * webhooks to a local receiver; without them the platform refuses such targets.
 */
export const LOCAL_WEBHOOK_VARS: Readonly<Record<string, string>> = { JIDO_WEBHOOK_ALLOW: "127.0.0.1", JIDO_WEBHOOK_ALLOW_HTTP: "true" };

export type DevServerOptions = {
  persistTo: string;
  /** A wrangler config; the platform's own by default. */
  config?: string;
  port?: number;
  /** Extra `--var NAME:value` bindings. */
  vars?: Record<string, string>;
  /** Where the server's stdout and stderr go (appended). */
  logFile?: string;
  readyTimeoutMs?: number;
  /** wrangler's --log-level ("warn" by default; "log" also shows the Worker's info lines). */
  logLevel?: "debug" | "info" | "log" | "warn" | "error";
};

export type DevServer = {
  url: string;
  /** The token secret this server verifies with (generated per server unless given). */
  secret: string;
  port: number;
  pid: number;
  /** Graceful stop (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<void>;
  /** Crash: SIGKILL to the whole process group, no warning. */
  kill(): Promise<void>;
};

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });

const signalGroup = (child: ChildProcess, signal: NodeJS.Signals, evenAfterExit = false): void => {
  if (evenAfterExit || !hasExited(child)) signalPgid(child.pid, signal);
};

const waitUntilReady = async (url: string, child: ChildProcess, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode} before it was ready`);
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status < 500) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`wrangler dev did not answer within ${timeoutMs} ms`);
};

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) signalGroup(child, "SIGKILL");
});

export const startDevServer = async (options: DevServerOptions): Promise<DevServer> => {
  const port = options.port ?? (await freePort());
  const secret = options.vars?.JIDO_JWT_SECRET ?? randomBytes(32).toString("hex");
  const vars = { ...options.vars, JIDO_JWT_SECRET: secret };
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", options.persistTo,
    "--show-interactive-dev-session=false", "--log-level", options.logLevel ?? "warn", "--inspector-port", String(await freePort())];
  if (options.config) args.push("--config", options.config);
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  const child = spawn(WRANGLER, args, { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"], env: wranglerEnv({ CI: "1" }) });
  live.add(child);
  child.once("exit", () => live.delete(child));
  if (options.logFile) {
    const log = createWriteStream(options.logFile, { flags: "a" });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  } else {
    child.stdout?.resume();
    child.stderr?.resume();
  }
  const url = `http://127.0.0.1:${port}`;
  const stopWith = async (first: NodeJS.Signals): Promise<void> => {
    signalGroup(child, first);
    const timer = setTimeout(() => signalGroup(child, "SIGKILL"), 5_000);
    await exited(child);
    clearTimeout(timer);
    // workerd may outlive wrangler by a moment; make sure the whole group is gone.
    signalGroup(child, "SIGKILL", true);
  };
  try {
    await waitUntilReady(url, child, options.readyTimeoutMs ?? 60_000);
  } catch (error) {
    await stopWith("SIGKILL");
    throw error;
  }
  return { url, secret, port, pid: child.pid ?? -1, stop: () => stopWith("SIGTERM"), kill: () => stopWith("SIGKILL") };
};
