// Where the observability overhead goes, in a measure the machine's other load does not
// swing: a CPU profile of the Worker's isolate (through wrangler dev's inspector) under
// the metrics benchmark's action load, summed by source module of the bundle. The share
// of the isolate's busy samples spent in observability code (metrics, telemetry, tracing,
// OpenTelemetry) compares runs taken at different loads, where the overhead benchmark's
// sets swing by tens of percent. Not in `npm run bench`: run it by hand,
//   npx tsx scripts/bench/metrics/profile.ts [mode (modes.ts, default both)] [seconds (15)]
// It prints the top modules and the observability share; the profile and the bundle it
// maps to stay in /tmp (the path is printed) for DevTools or a closer look. The overhead
// benchmark (index.ts) calls `profileIsolate` on its metrics + tracing server per work.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WebSocket } from "undici";
import { createClient } from "../lib/http.ts";
import { startOtlpSink } from "../lib/otlp-sink.ts";
import { platformHeaders, platformServerVars, platformToken } from "../lib/platform-auth.ts";
import { type BenchServer, installSignalCleanup, startBenchServer } from "../lib/servers.ts";
import { pacedLoop } from "../lib/paced.ts";
import { closedLoop, type Outcome } from "../lib/stats.ts";
import { type ModeName, modeVars, selectedModes } from "./modes.ts";

const OBSERVABILITY = /telemetry|tracing|opentelemetry|metrics|durable-call/;

export type CpuProfile = { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[]; samples: number[] };

/** The bundle's source module (its `// path` line) of a 1-based bundle line. */
export const moduleIndex = (bundle: string): ((line: number) => string) => {
  const starts: [number, string][] = [];
  bundle.split("\n").forEach((line, i) => {
    const m = /^\/\/ (\S+\.(?:ts|js|mjs|cjs))$/.exec(line);
    if (m) starts.push([i + 1, m[1]!.replace(/^.*node_modules\//, "")]);
  });
  return (line) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = "(bundle)";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]![0] <= line) [found, lo] = [starts[mid]![1], mid + 1];
      else hi = mid - 1;
    }
    return found;
  };
};

/**
 * Self samples per function, and inclusive samples (a function counted once per sample
 * it is on the stack of), each function named by `keyOf`; `skip` leaves keys out of the
 * inclusive counts (e.g. the root).
 */
export const samplesByFunction = (profile: CpuProfile, keyOf: (frame: CpuProfile["nodes"][number]["callFrame"]) => string, skip: (key: string) => boolean = () => false) => {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const id of profile.samples) {
    if (nodes.get(id)!.callFrame.functionName === "(idle)") continue;
    const key = keyOf(nodes.get(id)!.callFrame);
    self.set(key, (self.get(key) ?? 0) + 1);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const k = keyOf(nodes.get(at)!.callFrame);
      if (seen.has(k) || skip(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + 1);
    }
  }
  return { self, inclusive };
};

/**
 * Self samples per bundled source module (wrangler's bundle marks each with a `// path`
 * line); and `withNatives`, where a native function's samples (AsyncLocalStorage.run, a
 * Map's get, ...) count for the module whose code called it.
 */
export const samplesByModule = (profile: CpuProfile, bundle: string): { busy: number; modules: Map<string, number>; withNatives: Map<string, number> } => {
  const moduleOf = moduleIndex(bundle);
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const callers = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) callers.set(child, node.id);
  const modules = new Map<string, number>();
  const withNatives = new Map<string, number>();
  let busy = 0;
  for (const id of profile.samples) {
    const frame = nodes.get(id)!.callFrame;
    if (frame.functionName === "(idle)") continue;
    busy++;
    const key = frame.url.endsWith("index.js") ? moduleOf(frame.lineNumber + 1) : frame.functionName || "(native)";
    modules.set(key, (modules.get(key) ?? 0) + 1);
    // A native frame (not "(program)", "(garbage collector)"): the nearest bundle frame above it.
    let at: number | undefined = id;
    while (at !== undefined && !nodes.get(at)!.callFrame.url.endsWith("index.js") && !nodes.get(at)!.callFrame.functionName.startsWith("(")) at = callers.get(at);
    const caller = at === undefined ? undefined : nodes.get(at)!.callFrame;
    const owner = caller?.url.endsWith("index.js") ? moduleOf(caller.lineNumber + 1) : key;
    withNatives.set(owner, (withNatives.get(owner) ?? 0) + 1);
  }
  return { busy, modules, withNatives };
};

export const newestBundle = (root: string): string => {
  const files = readdirSync(join(root, ".wrangler/tmp"))
    .filter((dir) => dir.startsWith("dev-"))
    .map((dir) => join(root, ".wrangler/tmp", dir, "index.js"))
    .filter((file) => statSync(file, { throwIfNoEntry: false }) !== undefined);
  return files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
};

/** A DevTools protocol session on wrangler's inspector proxy (it wants a local Origin). */
export const inspect = async (port: string) => {
  const list = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as { webSocketDebuggerUrl: string }[];
  const ws = new WebSocket(list[0]!.webSocketDebuggerUrl, { headers: { origin: "http://127.0.0.1" } } as never);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", reject, { once: true });
  });
  let next = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result);
  });
  return {
    send: <T>(method: string, params: object = {}): Promise<T> =>
      new Promise<T>((resolve) => {
        const id = ++next;
        waiting.set(id, resolve as (result: unknown) => void);
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
};

export type IsolateProfile = {
  busy: number;
  /** Observability code's share of the isolate's busy samples, %: its own, and with the native calls it makes. */
  share: number;
  shareWithNatives: number;
  /** Self samples per module, most first. */
  modules: [string, number][];
  /** Where the profile and the bundle it maps to were written. */
  dir: string;
};

/**
 * Profiles `server`'s Worker isolate (through wrangler dev's inspector) while `op` runs
 * for `seconds` (closed-loop at concurrency 16, or at `rate`), and sums the samples by source module
 * (of the bundle wrangler built under `root`, the server's config's directory).
 */
export const profileIsolate = async (
  server: BenchServer,
  op: (i: number) => Promise<Outcome>,
  seconds: number,
  label: string,
  root = process.cwd(),
  /** Requests/s (lib/paced.ts) instead of a closed loop at concurrency 16. */
  rate?: number,
): Promise<IsolateProfile & { ok: number; errors: number }> => {
  const args = readFileSync(`/proc/${server.pid}/cmdline`, "utf8").split("\0");
  const session = await inspect(args[args.indexOf("--inspector-port") + 1]!);
  await session.send("Profiler.enable");
  await session.send("Profiler.setSamplingInterval", { interval: 200 });
  await session.send("Profiler.start");
  const load = rate ? await pacedLoop({ rate, maxInFlight: 64, maxMs: seconds * 1000, op }) : await closedLoop({ concurrency: 16, maxCount: 1e6, maxMs: seconds * 1000, op });
  const { profile } = await session.send<{ profile: CpuProfile }>("Profiler.stop");
  await session.send("Profiler.disable");
  session.close();
  const dir = mkdtempSync("/tmp/jido-obs-profile-");
  const bundleFile = join(dir, "bundle.js");
  copyFileSync(newestBundle(root), bundleFile);
  writeFileSync(join(dir, `${label}.cpuprofile`), JSON.stringify(profile));
  const { busy, modules, withNatives } = samplesByModule(profile, readFileSync(bundleFile, "utf8"));
  const observabilityOf = (counts: Map<string, number>) => [...counts].filter(([module]) => OBSERVABILITY.test(module)).reduce((sum, [, n]) => sum + n, 0);
  return {
    busy,
    share: (observabilityOf(modules) / busy) * 100,
    shareWithNatives: (observabilityOf(withNatives) / busy) * 100,
    modules: [...modules].sort((a, b) => b[1] - a[1]),
    dir,
    ok: load.ok,
    errors: load.errors,
  };
};

const main = async (): Promise<void> => {
  const name = (process.argv[2] ?? "both") as ModeName;
  const seconds = Number(process.argv[3] ?? 15);
  const mode = selectedModes(name).find((m) => m.name === name)!;
  installSignalCleanup();
  const sink = await startOtlpSink();
  const logs = mkdtempSync("/tmp/jido-obs-profile-logs-");
  const state = mkdtempSync("/dev/shm/jido-obs-profile-");
  const server = await startBenchServer({ name: `profile-${name}`, persistTo: state, logFile: join(logs, "server.log"), vars: { ...platformServerVars(), ...modeVars(mode, sink.url) } });
  try {
    const token = await platformToken(server);
    const client = createClient({ name, host: server.host, port: server.port, headers: () => platformHeaders(token), maxSockets: 64 });
    const agents = Array.from({ length: 100 }, (_, i) => `profile-${i}`);
    for (const id of agents) await client.post("/v1/agents", { type: "counter", id });
    const op = async (i: number): Promise<Outcome> => {
      const reply = await client.post(`/v1/agents/${agents[i % agents.length]}/actions/increment`, { by: 1 });
      return reply.status === 200 ? { ok: true, ms: reply.ms } : { ok: false, ms: reply.ms, error: String(reply.status) };
    };
    await closedLoop({ concurrency: 16, maxCount: 1e6, maxMs: 3_000, op });
    const p = await profileIsolate(server, op, seconds, name);
    client.close();
    const share = (n: number) => `${((n / p.busy) * 100).toFixed(2)}%`;
    console.log(`# ${mode.title}: ${p.ok} actions in ${seconds}s, ${p.errors} errors; ${p.busy} busy samples; profile and bundle in ${p.dir}`);
    for (const [module, n] of p.modules.slice(0, 30)) console.log(`${share(n).padStart(7)}  ${module}`);
    console.log(`observability code: ${p.share.toFixed(2)}% of the isolate's busy samples (${p.shareWithNatives.toFixed(2)}% with the native calls it makes)`);
  } finally {
    await server.stop();
    await sink.close();
    rmSync(state, { recursive: true, force: true });
  }
};

if (import.meta.url === `file://${process.argv[1]}`) await main();
