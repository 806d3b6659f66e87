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
// BENCH_CACHE_IN_REQUEST_ONLY=1 runs only that part.
// A benchmark, not a test: it prints figures and judges nothing by exit code.
import { join } from "node:path";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cpuTally, cpuTotals, type CpuTotals, msPer } from "../lib/cpu-tally.ts";
import { type Client, describe } from "../lib/http.ts";
import { PLATFORM_CONFIG, QUICK } from "../lib/env.ts";
import { platformServerVars } from "../lib/platform-auth.ts";
import { type BenchServer, cpuMark, startBenchServer } from "../lib/servers.ts";
import { runSession } from "../lib/session.ts";
import { sideClient } from "../lib/sides.ts";
import { closedLoop, fmt, fmtInt, type LoadResult, markdownTable, mergeResults, percentile, sleep } from "../lib/stats.ts";
import { CONFIG } from "./config.ts";
import { zipfSampler } from "./zipf.ts";

const BARE_CONFIG = fileURLToPath(new URL("../fixtures/bare/wrangler.toml", import.meta.url));
const ROOT_CONFIG = fileURLToPath(new URL("../../../wrangler.toml", import.meta.url));
const PROBE_WORKER = fileURLToPath(new URL("../fixtures/cache-probe/worker.ts", import.meta.url));
const IN_REQUEST_ONLY = process.env.BENCH_CACHE_IN_REQUEST_ONLY === "1";
/** Reads per request in the in-request measurement. */
const READS = 100;
const PROBES = 8;

/** The root wrangler.toml serving the probe Worker (the platform plus `cache_probe`), written under `dir`. */
const probeConfig = (dir: string): string => {
  const text = readFileSync(ROOT_CONFIG, "utf8");
  if (!/^main = "src\/index\.ts"$/m.test(text)) throw new Error(`${ROOT_CONFIG}: no 'main = "src/index.ts"' line to point at the probe`);
  const path = join(dir, "probe.wrangler.toml");
  writeFileSync(path, text.replace(/^main = "src\/index\.ts"$/m, `main = ${JSON.stringify(PROBE_WORKER)}`));
  return path;
};
const tally = cpuTally();

type Target = { name: string; server: BenchServer; client: Client };
type ReadCase = { label: string; target: Target; path: (i: number) => string; expect: RegExp | null; body?: unknown; check?: (body: string) => boolean };
type ReadFigures = { result: LoadResult; totals: CpuTotals; otherTier: number };

const cacheStatusOf = (headers: Record<string, unknown> | undefined): string => String(headers?.["cache-status"] ?? "");

const mustPut = async (client: Client, path: string, value: unknown): Promise<void> => {
  const reply = await client.put(path, value);
  if (reply.status !== 200) throw new Error(`setup PUT ${path}: ${describe(reply)}`);
};

const readRound = async (c: ReadCase, figures: ReadFigures): Promise<LoadResult> => {
  const mark = cpuMark(c.target.server);
  const result = await closedLoop({
    concurrency: CONFIG.concurrency,
    maxCount: 1_000_000,
    maxMs: CONFIG.readMs,
    op: async (i) => {
      const reply = c.body === undefined ? await c.target.client.get(c.path(i)) : await c.target.client.post(c.path(i), c.body);
      if (reply.status !== 200 || (c.check && !c.check(reply.body))) return { ok: false, ms: reply.ms, error: describe(reply) };
      if (c.expect && !c.expect.test(cacheStatusOf(reply.headers))) figures.otherTier++;
      return { ok: true, ms: reply.ms };
    },
  });
  tally.end(c.label, c.target.server, mark, figures.totals, result.ok + result.errors);
  return result;
};

/** The read cases, alternated round by round (rotating the order) so that all see the same machine. */
const readBench = async (cases: readonly ReadCase[]): Promise<Map<string, ReadFigures>> => {
  const figures = new Map(cases.map((c) => [c.label, { result: undefined as unknown as LoadResult, totals: cpuTotals(), otherTier: 0 }]));
  const results = new Map<string, LoadResult[]>(cases.map((c) => [c.label, []]));
  for (let round = 0; round < CONFIG.rounds; round++) {
    const order = cases.map((_, i) => cases[(i + round) % cases.length] as ReadCase);
    for (const c of order) {
      const result = await readRound(c, figures.get(c.label)!);
      results.get(c.label)!.push(result);
      console.log(`  round ${round + 1} ${c.label}: ${fmtInt(result.ok)} ok, ${result.errors} errors, p50 ${fmt(percentile(result.latencies, 50))} ms`);
    }
  }
  for (const c of cases) figures.get(c.label)!.result = mergeResults(results.get(c.label)!);
  return figures;
};

type ZipfPhase = { reads: number; hits: number; writes: number; tiers: Map<string, number>; result: LoadResult; idealBefore: number; idealAfter: number };

/**
 * Zipf(1.0) over 100,000 keys, cache-aside (a 404 writes the key), for at most `reads`
 * reads and `ms`: which tier answered each. `written` (the keys the workload wrote so
 * far, shared by the phases) gives the ideal hit ratio: the share of reads whose key was
 * written, what a cache that never forgets would answer.
 */
const zipfPhase = async (target: Target, sample: () => number, probability: (rank: number) => number, written: Set<number>, phase: { reads: number; ms: number }): Promise<ZipfPhase> => {
  const tiers = new Map<string, number>();
  const ideal = () => [...written].reduce((sum, rank) => sum + probability(rank), 0);
  const idealBefore = ideal();
  let writes = 0;
  const result = await closedLoop({
    concurrency: CONFIG.zipf.concurrency,
    maxCount: phase.reads,
    maxMs: phase.ms,
    op: async () => {
      const rank = sample();
      const path = `/v1/cache/zipf/k${rank}`;
      const reply = await target.client.get(path);
      const tier = /^jido-(l1|l2|l3|origin)/.exec(cacheStatusOf(reply.headers))?.[1] ?? `status ${reply.status}`;
      tiers.set(tier, (tiers.get(tier) ?? 0) + 1);
      if (reply.status === 404) {
        writes++;
        const put = await target.client.put(path, { at: Date.now() });
        if (put.status !== 200) return { ok: false, ms: reply.ms + put.ms, error: describe(put) };
        written.add(rank);
      } else if (reply.status !== 200) return { ok: false, ms: reply.ms, error: describe(reply) };
      else written.add(rank);
      return { ok: true, ms: reply.ms };
    },
  });
  const reads = [...tiers.values()].reduce((a, b) => a + b, 0);
  const hits = (tiers.get("l1") ?? 0) + (tiers.get("l2") ?? 0) + (tiers.get("l3") ?? 0);
  return { reads, hits, writes, tiers, result, idealBefore, idealAfter: ideal() };
};

/** The Zipf workload's warm-up, then its measured (steady-state) phase on the keys the warm-up wrote. */
const zipfBench = async (target: Target) => {
  const n = CONFIG.zipf.keys;
  const sample = zipfSampler(n, 1.0);
  let harmonic = 0;
  for (let rank = 1; rank <= n; rank++) harmonic += 1 / rank;
  // zipfSampler answers 0-based ranks: rank r has weight 1 / (r + 1).
  const probability = (rank: number) => 1 / (rank + 1) / harmonic;
  const written = new Set<number>();
  const warmup = await zipfPhase(target, sample, probability, written, CONFIG.zipf.warmup);
  const measured = await zipfPhase(target, sample, probability, written, CONFIG.zipf.measured);
  return { warmup, measured };
};

const zipfLine = (name: string, phase: ZipfPhase): string => {
  const share = (count: number) => `${fmt((count / Math.max(1, phase.reads)) * 100, 1)}%`;
  const tierText = ["l1", "l2", "l3", "origin"].map((t) => `${t} ${share(phase.tiers.get(t) ?? 0)}`).join(", ");
  const others = [...phase.tiers].filter(([t]) => !["l1", "l2", "l3", "origin"].includes(t)).map(([t, c]) => `${t} ${fmtInt(c)}`).join(", ");
  return `${name}: ${fmtInt(phase.reads)} reads in ${fmt(phase.result.elapsedMs / 1000, 1)} s, hit ratio ${share(phase.hits)} (${tierText}${others ? `; ${others}` : ""}); ` +
    `ideal (share of reads of keys already written) ${fmt(phase.idealBefore * 100, 1)}% at its start, ${fmt(phase.idealAfter * 100, 1)}% at its end; ${fmtInt(phase.writes)} cache-aside writes; ${phase.result.errors} errors`;
};

const MODES = [
  ["eventual", ""],
  ["bounded 1 s", "?consistency=bounded&maxStalenessMs=1000"],
  ["strong", "?consistency=strong"],
] as const;

/** Per mode: ms from a write's acknowledgement until a read in that mode answers it, after the tiers held the old value. */
const visibilityBench = async (target: Target, tag: string) => {
  const out = new Map<string, number[]>();
  for (const [mode, query] of MODES) {
    const samples: number[] = [];
    for (let i = 0; i < CONFIG.visibility.samples; i++) {
      const path = `/v1/cache/vis/${tag}-${mode.replace(/\W/g, "")}-${i}`;
      await mustPut(target.client, path, 0);
      await target.client.get(path + query);
      await sleep(1_100); // past the KV push interval, so the next push is not coalesced
      await target.client.get(path + query); // the tiers hold the old value now
      await mustPut(target.client, path, 1);
      const acked = performance.now();
      let seen = Number.NaN;
      while (performance.now() - acked < CONFIG.visibility.maxMs) {
        const reply = await target.client.get(path + query);
        if (reply.status === 200 && (JSON.parse(reply.body) as { value: unknown }).value === 1) {
          seen = performance.now() - acked;
          break;
        }
        await sleep(CONFIG.visibility.pollMs);
      }
      samples.push(seen);
    }
    out.set(mode, samples);
  }
  return out;
};

/** The cost of one read inside a request: 100 reads and 0 reads in the same request shape, per side, alternated. */
const inRequestBench = async (full: Target, bare: Target): Promise<void> => {
  for (let i = 0; i < PROBES; i++) {
    const reply = await full.client.post("/v1/agents", { type: "cache_probe", id: `probe-${i}` });
    if (reply.status !== 201 && reply.status !== 200) throw new Error(`probe spawn: ${describe(reply)}`);
  }
  const found = (n: number) => (body: string) => (JSON.parse(body) as { found?: number }).found === n;
  const action = (reads: number): Omit<ReadCase, "label"> => ({
    target: full, path: (i) => `/v1/agents/probe-${i % PROBES}/actions/read`, expect: null, body: { namespace: "bench", key: "k0", reads }, check: found(reads),
  });
  const labels = {
    l1: `${READS} L1 hits in one action (ctx.cache.get)`,
    l1Base: "the same action, 0 reads",
    direct: `${READS} direct object reads in one request (bare)`,
    directBase: "the same request, 0 reads (bare)",
  };
  console.log(`\n  reads inside one request (${READS} vs 0)...`);
  const figures = await readBench([
    { label: labels.l1, ...action(READS) },
    { label: labels.l1Base, ...action(0) },
    { label: labels.direct, target: bare, path: () => `/kv/k0?reads=${READS}`, expect: null },
    { label: labels.directBase, target: bare, path: () => "/kv/k0?reads=0", expect: null },
  ]);
  const cpu = (label: string) => {
    const f = figures.get(label)!;
    return msPer(f.totals.worker, f.totals.count);
  };
  const perRead = (label: string, base: string) => ((cpu(label) - cpu(base)) / READS) * 1000;
  const l1 = perRead(labels.l1, labels.l1Base);
  const direct = perRead(labels.direct, labels.directBase);
  console.log("\n" + markdownTable(["request", "requests", "errors", "Worker CPU ms/request"],
    Object.values(labels).map((label) => { const f = figures.get(label)!; return [label, fmtInt(f.totals.count), String(f.result.errors), fmt(cpu(label), 3)]; })));
  console.log(`\nWorker CPU per read, inside one request: L1 hit ${fmt(l1, 2)} us, direct object read ${fmt(direct, 2)} us: ${fmt(l1 / direct, 3)}x ` +
    `(target at most 0.1x: ${l1 <= direct / 10 ? "met" : "**missed**"}).`);
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
