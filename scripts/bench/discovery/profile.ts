// Where a discovery query's CPU goes: spawns the discovery benchmark's agents (10,000
// labelled counter agents; PROFILE_AGENTS to change), then for each of its queries
// (typical, worst) the Worker's CPU per query (sequential and at c=8) and a CPU profile
// of the Worker's isolate under c=8 of it, summed by bundled module and by function
// (self samples, and inclusive for the top functions). Not in `npm run bench`: run it
// by hand, under the bench lock,
//   flock /work/wt/bench.lock npx tsx scripts/bench/discovery/profile.ts [worst|typical|both] [seconds (10)]
// The profiles and the bundle stay in /tmp (the path is printed).
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "../lib/http.ts";
import { platformHeaders, platformServerVars, platformToken } from "../lib/platform-auth.ts";
import { cpuMark, cpuSince, installSignalCleanup, startBenchServer } from "../lib/servers.ts";
import { closedLoop, fmt, percentile } from "../lib/stats.ts";
import { type CpuProfile, inspect, moduleIndex, newestBundle, samplesByFunction, samplesByModule } from "../metrics/profile.ts";
import { labelsOf, QUERIES } from "./index.ts";

const main = async (): Promise<void> => {
  const which = process.argv[2] ?? "both";
  const seconds = Number(process.argv[3] ?? 10);
  const agents = Number(process.env.PROFILE_AGENTS ?? 10_000);
  installSignalCleanup();
  const out = mkdtempSync("/tmp/jido-disc-profile-");
  const state = mkdtempSync("/dev/shm/jido-disc-profile-");
  const server = await startBenchServer({ name: "disc-profile", persistTo: state, logFile: join(out, "server.log"), vars: platformServerVars() });
  try {
    const token = await platformToken(server);
    const client = createClient({ name: "platform", host: server.host, port: server.port, headers: () => platformHeaders(token), maxSockets: 64 });
    const tag = Date.now().toString(36);
    const spawned = await closedLoop({
      concurrency: 32,
      maxCount: agents,
      maxMs: 600_000,
      op: async (i) => {
        for (let attempt = 1; ; attempt++) {
          const reply = await client.post("/v1/agents", { type: "counter", id: `p-${tag}-${i}`, labels: labelsOf(i) });
          if (reply.status === 201 || reply.status === 200) return { ok: true, ms: reply.ms };
          if (attempt >= 20) return { ok: false, ms: reply.ms, error: String(reply.status) };
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      },
    });
    // Wait (bounded) until discovery sees them all.
    for (let i = 0; i < 300; i++) {
      const reply = await client.post("/v1/discovery/query", QUERIES.worst);
      if ((JSON.parse(reply.body) as { matched: number }).matched >= spawned.ok) break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    console.log(`# discovery profile: ${spawned.ok} agents; out ${out}`);
    const args = readFileSync(`/proc/${server.pid}/cmdline`, "utf8").split("\0");
    const session = await inspect(args[args.indexOf("--inspector-port") + 1]!);
    await session.send("Profiler.enable");
    await session.send("Profiler.setSamplingInterval", { interval: 200 });
    for (const [name, body] of Object.entries(QUERIES)) {
      if (which !== "both" && which !== name) continue;
      const op = async () => {
        const reply = await client.post("/v1/discovery/query", body);
        return reply.status === 200 ? { ok: true, ms: reply.ms } : { ok: false, ms: reply.ms, error: String(reply.status) };
      };
      await closedLoop({ concurrency: 1, maxCount: 50, maxMs: 60_000, op });
      const measures: string[] = [];
      for (const concurrency of [1, 8]) {
        const mark = cpuMark(server);
        const run = await closedLoop({ concurrency, maxCount: 400, maxMs: 120_000, op });
        const cpu = cpuSince(server, mark);
        measures.push(`c=${concurrency}: p50 ${fmt(percentile(run.latencies, 50))} p99 ${fmt(percentile(run.latencies, 99))} ms, Worker CPU ${fmt((cpu.workerSeconds / run.ok) * 1000, 2)} ms/query (${run.ok} ok, ${run.errors} errors)`);
      }
      console.log(`## ${name}: ${measures.join("; ")}`);
      await session.send("Profiler.start");
      const load = await closedLoop({ concurrency: 8, maxCount: 1e6, maxMs: seconds * 1000, op });
      const { profile } = await session.send<{ profile: CpuProfile }>("Profiler.stop");
      const bundleFile = join(out, "bundle.js");
      copyFileSync(newestBundle(process.cwd()), bundleFile);
      writeFileSync(join(out, `${name}.cpuprofile`), JSON.stringify(profile));
      const bundle = readFileSync(bundleFile, "utf8");
      const { busy, modules } = samplesByModule(profile, bundle);
      const share = (n: number) => `${((n / busy) * 100).toFixed(2)}%`;
      console.log(`${load.ok} queries in ${seconds}s; ${busy} busy samples`);
      console.log("by module (self):");
      for (const [module, n] of [...modules].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${share(n).padStart(7)}  ${module}`);
      const moduleOf = moduleIndex(bundle);
      const { self, inclusive } = samplesByFunction(profile, (frame) => `${frame.functionName || "(anonymous)"} @ ${frame.url.endsWith("index.js") ? moduleOf(frame.lineNumber + 1) : "native"}:${frame.lineNumber + 1}`);
      console.log("by function (self):");
      for (const [fn, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${share(n).padStart(7)}  ${fn}`);
      console.log("by function (inclusive):");
      for (const [fn, n] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${share(n).padStart(7)}  ${fn}`);
    }
    session.close();
    client.close();
  } finally {
    await server.stop();
    rmSync(state, { recursive: true, force: true });
  }
};

if (import.meta.url === `file://${process.argv[1]}`) await main();
