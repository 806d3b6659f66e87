// Discovery benchmark: a tenant's directory with 10,000 registered agents (counter agents
// labelled region us/eu, tier gold/silver/bronze, zone z0..z9; spawned at concurrency 32,
// an overload answer retried), then
//   1. POST /v1/discovery/query latency p50 / p99, sequentially and at concurrency 8, for
//      a typical query (a type, a label constraint, 10 best) and the worst case (no type,
//      constraints every agent meets: every shard scores every running entry, 100 best);
//   2. GET /v1/agents paging through all of them (limit 100 and 1,000): total time, pages,
//      per-page p50 / p99;
// with the Worker's CPU per request. Spawning is bounded in time: if it ends short of
// 10,000, the figures are for the agents registered and the count says so.
// A benchmark, not a test: it prints figures and judges nothing by exit code.
//
// BENCH_QUICK=1: 1,000 agents and fewer queries.
import { join } from "node:path";
import { cpuTally } from "../lib/cpu-tally.ts";
import { PLATFORM_CONFIG, QUICK } from "../lib/env.ts";
import { type Client, describe } from "../lib/http.ts";
import { platformServerVars } from "../lib/platform-auth.ts";
import { verdict } from "../lib/report.ts";
import { scanLog } from "../lib/server-log.ts";
import { type BenchServer, cpuMark, startBenchServer, stopAllServers } from "../lib/servers.ts";
import { runSession } from "../lib/session.ts";
import { sideClient } from "../lib/sides.ts";
import { closedLoop, fmt, fmtInt, markdownTable, percentile, sleep } from "../lib/stats.ts";

const CONFIG = QUICK
  ? { agents: 1_000, spawnConcurrency: 32, spawnMaxMs: 300_000, listWaitMs: 120_000, queries: 100, concurrentQueries: 200 }
  : { agents: 10_000, spawnConcurrency: 32, spawnMaxMs: 900_000, listWaitMs: 300_000, queries: 300, concurrentQueries: 1_000 };

const REGIONS = ["us", "eu"];
const TIERS = ["gold", "silver", "bronze"];
export const labelsOf = (i: number) => ({ region: REGIONS[i % 2]!, tier: TIERS[i % 3]!, zone: `z${i % 10}` });

export const QUERIES = {
  typical: { type: "counter", constraints: { region: "us", tier: "gold" }, limit: 10 },
  worst: { constraints: { region: ["us", "eu"], inFlight: { max: 1_000 } }, limit: 100 },
} as const;

const tally = cpuTally();

type Latency = { p50: number; p99: number; max: number; count: number; errors: number; matched: number; workerCpuMs: number };

const spawnAll = async (client: Client, tag: string): Promise<{ spawned: number; seconds: number; retries: number; errors: string[] }> => {
  let retries = 0;
  const started = performance.now();
  const result = await closedLoop({
    concurrency: CONFIG.spawnConcurrency,
    maxCount: CONFIG.agents,
    maxMs: CONFIG.spawnMaxMs,
    keepErrors: 5,
    op: async (i) => {
      for (let attempt = 1; ; attempt++) {
        const reply = await client.post("/v1/agents", { type: "counter", id: `d-${tag}-${i}`, labels: labelsOf(i) });
        if (reply.status === 201 || reply.status === 200) return { ok: true, ms: reply.ms };
        if (attempt >= 20 || ![0, 429, 503].includes(reply.status)) return { ok: false, ms: reply.ms, error: describe(reply) };
        retries++;
        await sleep(200);
      }
    },
  });
  return { spawned: result.ok, seconds: (performance.now() - started) / 1000, retries, errors: result.firstErrors };
};

/** Pages through every agent (`limit` per page); the time, pages and per-page latencies. */
const pageAll = async (client: Client, limit: number): Promise<{ items: number; pages: number; ms: number; latencies: number[]; error?: string }> => {
  const latencies: number[] = [];
  let cursor: string | null = null;
  let items = 0;
  const started = performance.now();
  for (let page = 0; page < 1_000; page++) {
    const reply = await client.get(`/v1/agents?type=counter&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    if (reply.status !== 200) return { items, pages: page, ms: performance.now() - started, latencies, error: describe(reply) };
    latencies.push(reply.ms);
    const body = JSON.parse(reply.body) as { items: unknown[]; next: string | null };
    items += body.items.length;
    cursor = body.next;
    if (!cursor) return { items, pages: page + 1, ms: performance.now() - started, latencies };
  }
  return { items, pages: 1_000, ms: performance.now() - started, latencies, error: "more than 1,000 pages" };
};

const queryLatency = async (server: BenchServer, client: Client, body: object, count: number, concurrency: number): Promise<Latency> => {
  let matched = 0;
  const mark = cpuMark(server);
  const result = await closedLoop({
    concurrency,
    maxCount: count,
    maxMs: 300_000,
    keepErrors: 3,
    op: async () => {
      const reply = await client.post("/v1/discovery/query", body);
      if (reply.status !== 200) return { ok: false, ms: reply.ms, error: describe(reply) };
      matched = (JSON.parse(reply.body) as { matched: number }).matched;
      return { ok: true, ms: reply.ms };
    },
  });
  const cpu = tally.end("platform", server, mark);
  for (const error of result.firstErrors) console.log(`    error: ${error}`);
  return {
    p50: percentile(result.latencies, 50),
    p99: percentile(result.latencies, 99),
    max: percentile(result.latencies, 100),
    count: result.ok,
    errors: result.errors,
    matched,
    workerCpuMs: result.ok > 0 ? (cpu.workerSeconds / result.ok) * 1000 : Number.NaN,
  };
};

export const runDiscoveryBench = async (): Promise<unknown> => {
  const tag = Date.now().toString(36);
  let client: Client | undefined;
  return runSession({ state: "/dev/shm/jido-bench-disc-", logs: "/tmp/jido-bench-disc-logs-" }, () => client?.close(), async ({ stateDir, logDir }) => {
    console.log(`# Discovery benchmark${QUICK ? " (BENCH_QUICK=1)" : ""}`);
    const server = await startBenchServer({
      name: "platform",
      persistTo: stateDir,
      logFile: join(logDir, "platform.log"),
      vars: platformServerVars(),
      ...(PLATFORM_CONFIG ? { config: PLATFORM_CONFIG } : {}),
    });
    console.log(`platform: wrangler dev pid ${server.pid} at ${server.url}; log ${server.logFile}`);
    client = await sideClient("platform", server, 64);

    const spawn = await spawnAll(client, tag);
    console.log(`spawned ${fmtInt(spawn.spawned)}/${fmtInt(CONFIG.agents)} counter agents in ${fmt(spawn.seconds, 1)}s (${spawn.retries} overload retries)${spawn.errors.length ? `; errors: ${spawn.errors.join(" | ")}` : ""}`);
    // Discovery sees an agent once its entry reached its shard: wait (bounded) until the directory lists them all.
    const waitUntil = performance.now() + CONFIG.listWaitMs;
    let listed = 0;
    while (performance.now() < waitUntil) {
      const all = await pageAll(client, 1_000);
      listed = all.items;
      if (listed >= spawn.spawned) break;
      await sleep(1_000);
    }
    console.log(`directory lists ${fmtInt(listed)} agents`);

    const rows: string[][] = [];
    for (const [name, body] of Object.entries(QUERIES)) {
      await queryLatency(server, client, body, 20, 1); // warm
      const sequential = await queryLatency(server, client, body, CONFIG.queries, 1);
      const concurrent = await queryLatency(server, client, body, CONFIG.concurrentQueries, 8);
      console.log(`query ${name} ${JSON.stringify(body)}: matched ${fmtInt(sequential.matched)}; sequential p50 ${fmt(sequential.p50)} p99 ${fmt(sequential.p99)} max ${fmt(sequential.max)} ms, ${fmt(sequential.workerCpuMs, 2)} ms Worker CPU; c=8 p50 ${fmt(concurrent.p50)} p99 ${fmt(concurrent.p99)} ms, ${sequential.errors + concurrent.errors} errors`);
      rows.push([`discovery query, ${name} (matches ${fmtInt(sequential.matched)}): p50 / p99 sequential; c=8 (ms)`, `${fmt(sequential.p50)} / ${fmt(sequential.p99)}; ${fmt(concurrent.p50)} / ${fmt(concurrent.p99)}`, `p99 < 50 ms: ${verdict(sequential.p99 < 50 && concurrent.p99 < 50)}`]);
      rows.push([`discovery query, ${name}: Worker CPU per query (ms)`, fmt(sequential.workerCpuMs, 2), ""]);
    }
    for (const limit of [100, 1_000]) {
      const mark = cpuMark(server);
      const paged = await pageAll(client, limit);
      const cpu = tally.end("platform", server, mark);
      console.log(`GET /v1/agents limit ${limit}: ${fmtInt(paged.items)} agents in ${paged.pages} pages, ${fmt(paged.ms)} ms; page p50 ${fmt(percentile(paged.latencies, 50))} p99 ${fmt(percentile(paged.latencies, 99))} ms; Worker CPU ${fmt(cpu.workerSeconds * 1000)} ms${paged.error ? `; error ${paged.error}` : ""}`);
      rows.push([`GET /v1/agents paging all, limit ${limit}: agents, pages, total (s); page p50 / p99 (ms)`, `${fmtInt(paged.items)}, ${paged.pages}, ${fmt(paged.ms / 1000, 2)}; ${fmt(percentile(paged.latencies, 50))} / ${fmt(percentile(paged.latencies, 99))}`, ""]);
    }
    client.close();
    client = undefined;
    await stopAllServers();
    const log = scanLog(server);
    rows.unshift([`agents registered (spawned at c=${CONFIG.spawnConcurrency}; listed)`, `${fmtInt(spawn.spawned)} in ${fmt(spawn.seconds, 1)}s; ${fmtInt(listed)}`, `${fmtInt(CONFIG.agents)}`]);
    rows.push(["other processes' CPU during measurements (cores busy, avg)", tally.otherCores(), "~0"]);
    rows.push(["server log SQLITE_NOMEM / error-like lines", `${log.nomem} / ${log.errorLines}`, "0"]);
    console.log(`\n## Discovery benchmark summary${QUICK ? " (BENCH_QUICK=1: reduced counts)" : ""}\n`);
    console.log(markdownTable(["metric", "value", "target"], rows));
    return rows;
  });
};
