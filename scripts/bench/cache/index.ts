// Cache benchmark: read latency and Worker CPU per read for each tier of the platform's
// cache (an L1 hit, an L2 hit, an L3 hit, an origin read), side by side with a direct
// Durable Object read on the bare baseline (fixtures/bare, `GET /kv/:key`) in the same
// run, measured alternately; the hit ratio of a Zipf(1.0) workload over 100,000 keys
// (cache-aside: a miss writes the key), in a warm-up and then at steady state (a measured
// phase), each bounded in reads and time, per tier; and the time until a write is
// visible to each consistency mode, read in the writer's isolate and from KV as another
// location would. Tiers are reached by configuration, not by luck: one platform server
// as deployed (L1 hits; `strong` for origin reads), one with JIDO_CACHE_L1_MAX_BYTES=0
// (L2 hits) and one that also has JIDO_CACHE_L2=off (L3 hits). Every answer's
// Cache-Status is checked; answers from another tier are counted, not hidden.
// Whole requests are dominated by the request itself, so the cost of a read alone is
// measured inside one request too: an action of a bench-only agent type
// (fixtures/cache-probe) doing 100 ctx.cache.get L1 hits, and the bare Worker doing 100
// direct object reads (`GET /kv/:key?reads=100`), each beside the same request with 0
// reads; CPU per read = (CPU of the 100-read request - CPU of the 0-read one) / 100.
// BENCH_CACHE_IN_REQUEST_ONLY=1 runs only that part. This file starts the servers and
// reports; the measurements are in reads.ts, in-request.ts, zipf-workload.ts, visibility.ts.
// A benchmark, not a test: it prints figures and judges nothing by exit code.
import { join } from "node:path";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { msPer } from "../lib/cpu-tally.ts";
import { type Client, describe } from "../lib/http.ts";
import { PLATFORM_CONFIG, QUICK } from "../lib/env.ts";
import { platformServerVars } from "../lib/platform-auth.ts";
import { startBenchServer } from "../lib/servers.ts";
import { runSession } from "../lib/session.ts";
import { sideClient } from "../lib/sides.ts";
import { fmt, fmtInt, markdownTable, percentile, sleep } from "../lib/stats.ts";
import { CONFIG } from "./config.ts";
import { inRequestBench } from "./in-request.ts";
import { mustPut, readBench, type Target, tally } from "./reads.ts";
import { MODES, visibilityBench } from "./visibility.ts";
import { zipfBench, zipfLine } from "./zipf-workload.ts";

const BARE_CONFIG = fileURLToPath(new URL("../fixtures/bare/wrangler.toml", import.meta.url));
const ROOT_CONFIG = fileURLToPath(new URL("../../../wrangler.toml", import.meta.url));
const PROBE_WORKER = fileURLToPath(new URL("../fixtures/cache-probe/worker.ts", import.meta.url));
const IN_REQUEST_ONLY = process.env.BENCH_CACHE_IN_REQUEST_ONLY === "1";

/** The root wrangler.toml serving the probe Worker (the platform plus `cache_probe`), written under `dir`. */
const probeConfig = (dir: string): string => {
  const text = readFileSync(ROOT_CONFIG, "utf8");
  if (!/^main = "src\/index\.ts"$/m.test(text)) throw new Error(`${ROOT_CONFIG}: no 'main = "src/index.ts"' line to point at the probe`);
  const path = join(dir, "probe.wrangler.toml");
  writeFileSync(path, text.replace(/^main = "src\/index\.ts"$/m, `main = ${JSON.stringify(PROBE_WORKER)}`));
  return path;
};

export const runCacheBench = async (): Promise<void> => {
  const clients: Client[] = [];
  await runSession({ state: "/dev/shm/jido-bench-cache-", logs: "/tmp/jido-bench-cache-logs-" }, () => clients.forEach((c) => c.close()), async (dirs) => {
    console.log(`# Cache benchmark${QUICK ? " (BENCH_QUICK=1)" : ""}\nstate: ${dirs.stateDir} (tmpfs); server logs: ${dirs.logDir}`);
    // The platform as deployed, plus the probe type (unless another commit's config is benchmarked).
    const withProbe = PLATFORM_CONFIG === undefined;
    const start = async (name: string, extra: Record<string, string>, bare = false, probe = false): Promise<Target> => {
      const persistTo = join(dirs.stateDir, name);
      mkdirSync(persistTo);
      const config = bare ? BARE_CONFIG : probe ? probeConfig(dirs.stateDir) : PLATFORM_CONFIG;
      const server = await startBenchServer({ name, persistTo, logFile: join(dirs.logDir, `${name}.log`), vars: bare ? {} : { ...platformServerVars(), ...extra }, ...(config ? { config } : {}) });
      const client = await sideClient(bare ? "bare" : "platform", server, 16);
      clients.push(client);
      console.log(`${name}: wrangler dev pid ${server.pid} at ${server.url}`);
      return { name, server, client };
    };
    const full = await start("platform", {}, false, withProbe);
    const bare = await start("bare", {}, true);
    if (IN_REQUEST_ONLY) {
      if (!withProbe) throw new Error("BENCH_CACHE_IN_REQUEST_ONLY needs the probe Worker: unset BENCH_PLATFORM_CONFIG");
      await mustPut(full.client, "/v1/cache/bench/k0", { n: 0, pad: "x".repeat(200) });
      const reply = await bare.client.put("/kv/k0", { n: 0, pad: "x".repeat(200) });
      if (reply.status !== 200) throw new Error(`bare setup: ${describe(reply)}`);
      await inRequestBench(full, bare);
      return;
    }
    const noL1 = await start("platform-l2", { JIDO_CACHE_L1_MAX_BYTES: "0" });
    const kvOnly = await start("platform-l3", { JIDO_CACHE_L1_MAX_BYTES: "0", JIDO_CACHE_L2: "off" });

    const { keys } = CONFIG;
    const key = (i: number) => `k${i % keys}`;
    for (const target of [full, noL1, kvOnly]) for (let i = 0; i < keys; i++) await mustPut(target.client, `/v1/cache/bench/${key(i)}`, { n: i, pad: "x".repeat(200) });
    for (let i = 0; i < keys; i++) {
      const reply = await bare.client.put(`/kv/${key(i)}`, { n: i, pad: "x".repeat(200) });
      if (reply.status !== 200) throw new Error(`bare setup: ${describe(reply)}`);
    }
    await sleep(1_500); // the origin's alarm pushes every key to KV
    for (const target of [noL1, kvOnly]) for (let i = 0; i < keys; i++) await target.client.get(`/v1/cache/bench/${key(i)}`);

    const reads = await readBench([
      { label: "L1 hit", target: full, path: (i) => `/v1/cache/bench/${key(i)}`, expect: /^jido-l1; hit/ },
      { label: "L2 hit", target: noL1, path: (i) => `/v1/cache/bench/${key(i)}`, expect: /^jido-l2; hit/ },
      { label: "L3 hit", target: kvOnly, path: (i) => `/v1/cache/bench/${key(i)}`, expect: /^jido-l3; hit/ },
      { label: "origin read (strong)", target: full, path: (i) => `/v1/cache/bench/${key(i)}?consistency=strong`, expect: /^jido-origin/ },
      { label: "direct object read (bare)", target: bare, path: (i) => `/kv/${key(i)}`, expect: null },
      // The request paths alone, to tell what the tiers cost from what any request costs.
      { label: "platform request path only (GET /v1/agent-types/counter)", target: full, path: () => "/v1/agent-types/counter", expect: null },
      { label: "bare request path only (GET /healthz)", target: bare, path: () => "/healthz", expect: null },
    ]);
    if (withProbe) await inRequestBench(full, bare);
    console.log(`\n  Zipf(1.0) over ${fmtInt(CONFIG.zipf.keys)} keys (cache-aside): warm-up (at most ${fmtInt(CONFIG.zipf.warmup.reads)} reads, ${CONFIG.zipf.warmup.ms / 1000} s), then measured (at most ${fmtInt(CONFIG.zipf.measured.reads)} reads, ${CONFIG.zipf.measured.ms / 1000} s)...`);
    const zipf = await zipfBench(full);
    console.log("  visibility of a write per mode...");
    const visibleHere = await visibilityBench(full, "here");
    const visibleKv = await visibilityBench(kvOnly, "kv");

    const direct = reads.get("direct object read (bare)")!;
    const directCpu = msPer(direct.totals.worker, direct.totals.count);
    const rows = [...reads].map(([label, f]) => {
      const cpu = msPer(f.totals.worker, f.totals.count);
      return [label, fmtInt((f.result.ok / f.result.elapsedMs) * 1000), fmt(percentile(f.result.latencies, 50), 2), fmt(percentile(f.result.latencies, 99), 2),
        fmt(cpu, 3), fmt(cpu / directCpu, 2) + "x", `${f.result.errors} / ${f.otherTier}`];
    });
    console.log(`\n## Cache benchmark summary${QUICK ? " (BENCH_QUICK=1: reduced counts)" : ""}\n`);
    console.log(markdownTable(["read", "reads/s (c=8)", "p50 ms", "p99 ms", "Worker CPU ms/read", "CPU vs direct object read", "errors / other tier"], rows));
    const cpuOf = (label: string) => {
      const f = reads.get(label)!;
      return msPer(f.totals.worker, f.totals.count);
    };
    const l1Cpu = cpuOf("L1 hit");
    console.log(`\nTarget: an L1 hit costs at most 0.1x a direct object read in Worker CPU. Whole requests: ${fmt(l1Cpu / directCpu, 2)}x (${l1Cpu <= directCpu / 10 ? "met" : "**missed**"}).`);
    // Beyond each side's own request path (platform: token, rate limit, validation, headers; bare: none).
    const platformPath = cpuOf("platform request path only (GET /v1/agent-types/counter)");
    const barePath = cpuOf("bare request path only (GET /healthz)");
    const marginal = (label: string, path: number) => Math.max(0, cpuOf(label) - path);
    const directMarginal = marginal("direct object read (bare)", barePath);
    console.log("Beyond the request path (ms CPU per read): " + [["L1 hit", platformPath], ["L2 hit", platformPath], ["L3 hit", platformPath], ["origin read (strong)", platformPath], ["direct object read (bare)", barePath]]
      .map(([label, path]) => `${label} ${fmt(marginal(label as string, path as number), 3)}`).join(", ") +
      `; L1 hit / direct object read: ${fmt(marginal("L1 hit", platformPath) / directMarginal, 2)}x (${marginal("L1 hit", platformPath) <= directMarginal / 10 ? "met" : "**missed**"}).`);
    console.log(`\nZipf(1.0), ${fmtInt(CONFIG.zipf.keys)} keys, c=${CONFIG.zipf.concurrency}, tiers' shares of reads:`);
    console.log(`  ${zipfLine("warm-up", zipf.warmup)}`);
    console.log(`  ${zipfLine("steady state (measured after the warm-up)", zipf.measured)}`);
    const vis = (samples: number[]) => {
      const seen = samples.filter(Number.isFinite);
      return seen.length === samples.length ? `p50 ${fmt(percentile(seen, 50), 1)} / max ${fmt(percentile(seen, 100), 1)} ms` : `${samples.length - seen.length} of ${samples.length} not seen within ${CONFIG.visibility.maxMs} ms`;
    };
    console.log("\n" + markdownTable(["mode", "visible in the writer's isolate", "visible through KV (another location, L1/L2 off)"],
      MODES.map(([mode]) => [mode, vis(visibleHere.get(mode)!), vis(visibleKv.get(mode)!)])));
    console.log(`\nother processes' CPU during measurements (cores busy, avg): ${tally.otherCores()}`);
  });
};
