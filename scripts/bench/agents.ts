// Agent benchmark: the platform's `counter` agent against a bare Durable Object doing
// the same storage work (fixtures/bare). Both run under `wrangler dev` at the same time
// and are measured alternately (rounds A, B, B, A, A, B, ...; spawn chunks likewise;
// cold calls interleaved) so that both see the same machine conditions. Figures: warm
// action throughput and latency, cold first-call latency, the time to spawn many agents
// with the count of client-visible errors, and where the CPU went (the Worker's workerd,
// wrangler's dev proxy, the bench client, other processes).
// A benchmark, not a test: it prints figures and judges nothing by exit code.
//
// BENCH_QUICK=1     smaller counts and shorter rounds, for smoke runs
// BENCH_KEEP_STATE=1 keep the persisted state under /dev/shm after the run
// JIDO_TOKEN        bearer token for the platform; JIDO_JWT_SECRET: the secret the platform
//                   server verifies with (both: see lib/platform-auth.ts, where minting goes)
// BENCH_PLATFORM_CONFIG  wrangler config of the platform (default: the root wrangler.toml)
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bareHeaders, type Client, createClient, type Reply } from "./lib/http.ts";
import { platformHeaders, platformServerVars, platformToken } from "./lib/platform-auth.ts";
import { scanLog } from "./lib/server-log.ts";
import {
  type BenchServer,
  type CpuMark,
  cpuMark,
  cpuSince,
  groupRss,
  installSignalCleanup,
  onSignalCleanup,
  startBenchServer,
  stopAllServers,
} from "./lib/servers.ts";
import { closedLoop, fmt, fmtInt, type LoadResult, markdownTable, mergeResults, type Outcome, percentile, ratio } from "./lib/stats.ts";

const QUICK = process.env.BENCH_QUICK === "1";

const CONFIG = QUICK
  ? {
      warm: { agents: 100, concurrency: 16, rounds: 2, roundMs: 2_000, roundMaxCount: 50_000, warmupMs: 2_000 },
      cold: { agents: 50 },
      spawn: { count: 1_000, concurrency: 32, chunks: 2, chunkMaxMs: 120_000 },
    }
  : {
      warm: { agents: 100, concurrency: 16, rounds: 5, roundMs: 3_000, roundMaxCount: 100_000, warmupMs: 5_000 },
      cold: { agents: 200 },
      spawn: { count: 10_000, concurrency: 32, chunks: 5, chunkMaxMs: 300_000 },
    };

const SETUP_CONCURRENCY = 16;
const SETUP_MAX_MS = 120_000;
const BARE_CONFIG = fileURLToPath(new URL("./fixtures/bare/wrangler.toml", import.meta.url));
/** The platform's wrangler config: the root one, or BENCH_PLATFORM_CONFIG (e.g. a snapshot of another commit). */
const PLATFORM_CONFIG = process.env.BENCH_PLATFORM_CONFIG || undefined;

type SideName = "platform" | "bare";

/** Measurements during which wrangler reloaded the server (figures disturbed). */
const reloads: Record<SideName, number> = { platform: 0, bare: 0 };
/** CPU of other processes on the machine during all measurements: the noise the figures carry. */
const noise = { otherSeconds: 0, wallSeconds: 0 };

/** CPU spent per request by each part of a server, summed over measurements. */
type CpuTotals = { worker: number; proxy: number; requests: number };
const cpuTotals = (): CpuTotals => ({ worker: 0, proxy: 0, requests: 0 });

/** Ends a measurement started at `mark`: prints where the CPU went and accounts it. */
const endMeasurement = (side: { name: SideName; server: BenchServer }, mark: CpuMark, requests: number, totals?: CpuTotals, suffix = ""): void => {
  const cpu = cpuSince(side.server, mark);
  if (cpu.reloaded) reloads[side.name]++;
  noise.otherSeconds += cpu.otherSeconds;
  noise.wallSeconds += cpu.wallSeconds;
  if (totals && !cpu.reloaded) {
    totals.worker += cpu.workerSeconds;
    totals.proxy += cpu.proxySeconds;
    totals.requests += requests;
  }
  const perRequest = requests > 0 ? `; per request: worker ${fmt((cpu.workerSeconds / requests) * 1000, 2)} ms, proxy ${fmt((cpu.proxySeconds / requests) * 1000, 2)} ms CPU` : "";
  console.log(`    ${cpu.text}${perRequest}${suffix}`);
};

const perRequestMs = (seconds: number, requests: number): number => (requests > 0 ? (seconds / requests) * 1000 : Number.NaN);

/** One system under test: its server, a client, and how it spells spawn and increment. */
type Side = {
  name: SideName;
  server: BenchServer;
  client: Client;
  spawn(id: string): Promise<Reply>;
  increment(id: string, by: number): Promise<Reply>;
};

const makeClient = async (name: SideName, server: BenchServer, maxSockets: number): Promise<Client> => {
  const token = name === "platform" ? await platformToken(server) : undefined;
  const headers = name === "platform" ? () => platformHeaders(token) : bareHeaders;
  return createClient({ name, host: server.host, port: server.port, headers, maxSockets });
};

const makeSide = async (name: SideName, server: BenchServer): Promise<Side> => {
  const side: Side = {
    name,
    server,
    client: await makeClient(name, server, 64),
    spawn: (id) =>
      name === "platform" ? side.client.post("/v1/agents", { type: "counter", id }) : side.client.post("/counters", { id }),
    increment: (id, by) =>
      side.client.post(name === "platform" ? `/v1/agents/${encodeURIComponent(id)}/actions/increment` : `/counters/${encodeURIComponent(id)}/increment`, { by }),
  };
  return side;
};

/** After a restart: pooled sockets point at the dead process. */
const renewClient = async (side: Side): Promise<void> => {
  side.client.close();
  side.client = await makeClient(side.name, side.server, 64);
};

const describe = (reply: Reply): string => `${reply.status} ${reply.body.slice(0, 300).replace(/\s+/g, " ")}`;

const spawnOutcome = (reply: Reply): Outcome =>
  reply.status >= 200 && reply.status < 300 ? { ok: true, ms: reply.ms } : { ok: false, ms: reply.ms, error: describe(reply) };

/** The value an increment answered, or undefined if the reply is not a 200 {value: integer}. */
const valueOf = (reply: Reply): number | undefined => {
  if (reply.status !== 200) return undefined;
  try {
    const body = JSON.parse(reply.body) as { value?: unknown };
    return typeof body.value === "number" && Number.isInteger(body.value) ? body.value : undefined;
  } catch {
    return undefined;
  }
};

const incrementOutcome = (reply: Reply): Outcome =>
  valueOf(reply) !== undefined ? { ok: true, ms: reply.ms } : { ok: false, ms: reply.ms, error: describe(reply) };

const summary = (r: LoadResult): string =>
  `${fmtInt(r.ok)} ok, ${r.errors} errors in ${fmt(r.elapsedMs / 1000, 2)}s = ${fmtInt((r.ok / r.elapsedMs) * 1000)}/s; ` +
  `p50 ${fmt(percentile(r.latencies, 50))} ms, p99 ${fmt(percentile(r.latencies, 99))} ms, max ${fmt(percentile(r.latencies, 100))} ms` +
  (r.timedOut ? " (time bound hit)" : "");

const printErrors = (label: string, r: LoadResult): void => {
  if (r.errors === 0) return;
  console.log(`    ${label}: ${r.errors} errors; first ${r.firstErrors.length}:`);
  for (const error of r.firstErrors) console.log(`      ${error}`);
};

/** Setup that must succeed completely, or the figures mean nothing: throws on any error. */
const setup = async (what: string, count: number, op: (i: number) => Promise<Outcome>): Promise<void> => {
  const result = await closedLoop({ concurrency: SETUP_CONCURRENCY, maxCount: count, maxMs: SETUP_MAX_MS, op });
  if (result.ok !== count) {
    throw new Error(`setup '${what}': ${result.ok}/${count} succeeded, ${result.errors} errors; first: ${result.firstErrors.join(" | ")}`);
  }
};

/** Pairs (A, B) in alternating order: round 0 A then B, round 1 B then A, ... */
const alternating = (sides: readonly [Side, Side], round: number): readonly [Side, Side] =>
  round % 2 === 0 ? sides : [sides[1], sides[0]];

// --- warm action throughput -----------------------------------------------------------------

type WarmFigures = { throughput: number; p50: number; p99: number; errors: number; lost: number; result: LoadResult; workerCpuMs: number; proxyCpuMs: number };

const warmBench = async (sides: readonly [Side, Side], runId: string): Promise<Record<SideName, WarmFigures>> => {
  const { agents, concurrency, rounds, roundMs, roundMaxCount, warmupMs } = CONFIG.warm;
  const ids = Array.from({ length: agents }, (_, i) => `w-${runId}-${i}`);
  const acknowledged: Record<SideName, number[]> = { platform: ids.map(() => 0), bare: ids.map(() => 0) };
  console.log(`\n## Warm action throughput: concurrency ${concurrency} over ${agents} agents, ${rounds} rounds of ${roundMs / 1000}s per side, alternating`);

  const load = (side: Side, maxMs: number, maxCount: number) =>
    closedLoop({
      concurrency,
      maxCount,
      maxMs,
      op: async (i) => {
        const index = i % ids.length;
        const outcome = incrementOutcome(await side.increment(ids[index] as string, 1));
        if (outcome.ok) (acknowledged[side.name][index] as number)++;
        return outcome;
      },
    });

  for (const side of sides) {
    await setup(`${side.name}: spawn ${agents} agents`, agents, async (i) => spawnOutcome(await side.spawn(ids[i] as string)));
    const warmup = await load(side, warmupMs, roundMaxCount);
    console.log(`  ${side.name} warm-up (not counted): ${summary(warmup)}`);
    printErrors("warm-up", warmup);
  }

  const results: Record<SideName, LoadResult[]> = { platform: [], bare: [] };
  const cpu: Record<SideName, CpuTotals> = { platform: cpuTotals(), bare: cpuTotals() };
  for (let round = 0; round < rounds * 2; round++) {
    const side = alternating(sides, Math.floor(round / 2))[round % 2] as Side;
    // A, B, B, A, A, B: each side is measured first and second equally often.
    const mark = cpuMark(side.server);
    const result = await load(side, roundMs, roundMaxCount);
    results[side.name].push(result);
    console.log(`  round ${round + 1} ${side.name.padEnd(8)} ${summary(result)}`);
    endMeasurement(side, mark, result.ok + result.errors, cpu[side.name]);
    printErrors("errors", result);
  }

  // Every acknowledged increment must be in the total: one more increment per agent
  // must answer (acknowledged so far + 1).
  const figures = {} as Record<SideName, WarmFigures>;
  for (const side of sides) {
    let lost = 0;
    const checks = await closedLoop({
      concurrency: SETUP_CONCURRENCY,
      maxCount: ids.length,
      maxMs: SETUP_MAX_MS,
      op: async (i) => {
        const reply = await side.increment(ids[i] as string, 1);
        const value = valueOf(reply);
        if (value === undefined) return { ok: false, ms: reply.ms, error: describe(reply) };
        const expected = (acknowledged[side.name][i] as number) + 1;
        if (value !== expected) {
          // Below: an acknowledged increment is missing. Above: a failed (e.g. timed-out) call was applied anyway.
          if (value < expected) lost++;
          return { ok: false, ms: reply.ms, error: `${ids[i]}: value ${value}, expected ${expected} (acknowledged + 1)` };
        }
        return { ok: true, ms: reply.ms };
      },
    });
    if (checks.errors > 0) printErrors(`${side.name} total check (acknowledged increments vs value)`, checks);
    const merged = mergeResults(results[side.name]);
    figures[side.name] = {
      throughput: (merged.ok / merged.elapsedMs) * 1000,
      p50: percentile(merged.latencies, 50),
      p99: percentile(merged.latencies, 99),
      errors: merged.errors,
      lost,
      result: merged,
      workerCpuMs: perRequestMs(cpu[side.name].worker, cpu[side.name].requests),
      proxyCpuMs: perRequestMs(cpu[side.name].proxy, cpu[side.name].requests),
    };
    console.log(`  ${side.name.padEnd(8)} all rounds: ${summary(merged)}; totals check: ${checks.ok}/${ids.length} agents exact`);
  }
  return figures;
};

// --- cold first call ----------------------------------------------------------------------

type ColdFigures = { p50: number; p99: number; secondP50: number; errors: number; restartMs: number; firstErrors: string[] };

const coldBench = async (sides: readonly [Side, Side], runId: string, warmId: string): Promise<Record<SideName, ColdFigures>> => {
  const { agents } = CONFIG.cold;
  const ids = Array.from({ length: agents }, (_, i) => `c-${runId}-${i}`);
  console.log(`\n## Cold first call: ${agents} new agents per side, servers restarted, then the first call to each, sequentially (concurrency 1), platform and bare interleaved`);
  for (const side of sides) {
    await setup(`${side.name}: spawn ${agents} agents`, agents, async (i) => spawnOutcome(await side.spawn(ids[i] as string)));
  }
  const restartMs = {} as Record<SideName, number>;
  for (const side of sides) {
    const started = performance.now();
    await side.server.restart();
    restartMs[side.name] = performance.now() - started;
    await renewClient(side);
    console.log(`  ${side.name} restarted (stop + start until /healthz answers) in ${fmt(restartMs[side.name] / 1000, 2)}s`);
  }
  // Warm the Worker and the Durable Object class code (not the objects measured): the
  // figure is the cost of a cold object, not of a cold isolate.
  for (const side of sides) {
    for (let i = 0; i < 3; i++) {
      const health = await side.client.get("/healthz");
      const call = await side.increment(warmId, 1);
      if (health.status !== 200 || valueOf(call) === undefined) {
        throw new Error(`${side.name} after restart: /healthz ${describe(health)}; warm agent call ${describe(call)}`);
      }
    }
  }

  const marks = new Map(sides.map((side) => [side.name, cpuMark(side.server)]));
  const first: Record<SideName, number[]> = { platform: [], bare: [] };
  const second: Record<SideName, number[]> = { platform: [], bare: [] };
  const errors: Record<SideName, string[]> = { platform: [], bare: [] };
  const deadline = performance.now() + 10 * 60_000;
  for (const [pass, into] of [["first", first], ["second", second]] as const) {
    for (let i = 0; i < ids.length && performance.now() < deadline; i++) {
      for (const side of alternating(sides, i)) {
        const reply = await side.increment(ids[i] as string, 1);
        if (valueOf(reply) === 1 + (pass === "second" ? 1 : 0)) into[side.name].push(reply.ms);
        else errors[side.name].push(`${pass} call ${ids[i]}: ${describe(reply)}`);
      }
    }
  }
  const figures = {} as Record<SideName, ColdFigures>;
  for (const side of sides) {
    const mark = marks.get(side.name);
    if (mark) {
      console.log(`  ${side.name.padEnd(8)} both passes:`);
      endMeasurement(side, mark, 0);
    }
    const f = first[side.name];
    const s = second[side.name];
    figures[side.name] = {
      p50: percentile(f, 50),
      p99: percentile(f, 99),
      secondP50: percentile(s, 50),
      errors: errors[side.name].length,
      restartMs: restartMs[side.name],
      firstErrors: errors[side.name].slice(0, 5),
    };
    console.log(
      `  ${side.name.padEnd(8)} first call: ${f.length} ok, p50 ${fmt(percentile(f, 50))} ms, p99 ${fmt(percentile(f, 99))} ms, max ${fmt(percentile(f, 100))} ms; ` +
        `second call: p50 ${fmt(percentile(s, 50))} ms, p99 ${fmt(percentile(s, 99))} ms; errors ${errors[side.name].length}`,
    );
    for (const error of errors[side.name].slice(0, 5)) console.log(`      ${error}`);
  }
  return figures;
};

// --- spawn many -----------------------------------------------------------------------------

type SpawnFigures = {
  count: number;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
  errors: number;
  firstErrors: string[];
  complete: boolean;
  workerCpuMs: number;
};

const spawnBench = async (sides: readonly [Side, Side], runId: string): Promise<Record<SideName, SpawnFigures>> => {
  const { count, concurrency, chunks, chunkMaxMs } = CONFIG.spawn;
  const chunkSize = Math.ceil(count / chunks);
  console.log(`\n## Spawn ${fmtInt(count)} agents per side at concurrency ${concurrency}, in ${chunks} chunks of ${fmtInt(chunkSize)} alternating between the sides`);
  const results: Record<SideName, LoadResult[]> = { platform: [], bare: [] };
  const cpu: Record<SideName, CpuTotals> = { platform: cpuTotals(), bare: cpuTotals() };
  for (let chunk = 0; chunk < chunks; chunk++) {
    const offset = chunk * chunkSize;
    const size = Math.min(chunkSize, count - offset);
    for (const side of alternating(sides, chunk)) {
      const mark = cpuMark(side.server);
      const result = await closedLoop({
        concurrency,
        maxCount: size,
        maxMs: chunkMaxMs,
        op: async (i) => spawnOutcome(await side.spawn(`s-${runId}-${offset + i}`)),
      });
      results[side.name].push(result);
      console.log(`  chunk ${chunk + 1} ${side.name.padEnd(8)} ${summary(result)}`);
      if (result.slow.length > 0) {
        const starts = result.slow.map((slow) => slow.startedAt);
        console.log(
          `    ${result.slow.length} requests took >= 1 s (slowest ${fmt(Math.max(...result.slow.map((slow) => slow.ms)), 0)} ms); ` +
            `they started between ${fmt(Math.min(...starts) / 1000, 2)}s and ${fmt(Math.max(...starts) / 1000, 2)}s into the chunk`,
        );
      }
      endMeasurement(side, mark, result.ok + result.errors, cpu[side.name], `; RSS ${groupRss(side.server)}`);
      printErrors("errors", result);
    }
  }
  const figures = {} as Record<SideName, SpawnFigures>;
  for (const side of sides) {
    const merged = mergeResults(results[side.name]);
    const notIssued = count - merged.issued;
    figures[side.name] = {
      count: merged.ok,
      seconds: merged.elapsedMs / 1000,
      rate: (merged.ok / merged.elapsedMs) * 1000,
      p50: percentile(merged.latencies, 50),
      p99: percentile(merged.latencies, 99),
      errors: merged.errors,
      firstErrors: merged.firstErrors,
      complete: notIssued === 0,
      workerCpuMs: perRequestMs(cpu[side.name].worker, cpu[side.name].requests),
    };
    console.log(`  ${side.name.padEnd(8)} total: ${summary(merged)}${notIssued > 0 ? `; ${notIssued} never issued (time bound)` : ""}`);
    printErrors("client-visible errors", merged);
  }
  return figures;
};

// --- the bench ------------------------------------------------------------------------------

export type AgentBenchResult = {
  warm: Record<SideName, WarmFigures>;
  cold: Record<SideName, ColdFigures>;
  spawn: Record<SideName, SpawnFigures>;
};

export const runAgentBench = async (): Promise<AgentBenchResult> => {
  installSignalCleanup();
  const runId = Date.now().toString(36);
  const stateDir = mkdtempSync("/dev/shm/jido-bench-");
  const logDir = mkdtempSync("/tmp/jido-bench-logs-");
  const removeState = () => {
    if (process.env.BENCH_KEEP_STATE === "1") console.log(`state kept in ${stateDir}`);
    else rmSync(stateDir, { recursive: true, force: true });
  };
  const forgetCleanup = onSignalCleanup(removeState);
  console.log(`# Agent benchmark${QUICK ? " (BENCH_QUICK=1)" : ""}`);
  console.log(`state: ${stateDir} (tmpfs); server logs: ${logDir}`);
  const sidesList: Side[] = [];
  try {
    const startedAt = performance.now();
    for (const [name, config] of [["platform", PLATFORM_CONFIG], ["bare", BARE_CONFIG]] as const) {
      const persistTo = join(stateDir, name);
      mkdirSync(persistTo);
      const vars = name === "platform" ? platformServerVars() : {};
      const server = await startBenchServer({ name, persistTo, logFile: join(logDir, `${name}.log`), vars, ...(config ? { config } : {}) });
      console.log(`${name}: wrangler dev pid ${server.pid} at ${server.url}, config ${config ?? "wrangler.toml"} (log ${server.logFile})`);
      sidesList.push(await makeSide(name, server));
    }
    console.log(`servers ready in ${fmt((performance.now() - startedAt) / 1000, 1)}s`);
    const sides = sidesList as unknown as readonly [Side, Side];

    // Smoke: both sides answer the calls the figures are made of.
    const warmId = `warm-${runId}`;
    for (const side of sides) {
      const spawned = await side.spawn(warmId);
      const called = await side.increment(warmId, 1);
      if (spawned.status !== 201 || valueOf(called) !== 1) {
        throw new Error(`${side.name} smoke failed: spawn ${describe(spawned)}; increment ${describe(called)}`);
      }
    }

    const warm = await warmBench(sides, runId);
    const cold = await coldBench(sides, runId, warmId);
    const spawn = await spawnBench(sides, runId);

    const p = { warm: warm.platform, cold: cold.platform, spawn: spawn.platform };
    const b = { warm: warm.bare, cold: cold.bare, spawn: spawn.bare };
    const x = (platform: number, bare: number) => `${fmt(ratio(platform, bare), 2)}x`;
    const verdict = (met: boolean) => (met ? "met" : "**missed**");
    const { count } = CONFIG.spawn;
    const rows = [
      ["warm throughput (req/s, c=16, 100 agents)", fmtInt(p.warm.throughput), fmtInt(b.warm.throughput), x(p.warm.throughput, b.warm.throughput),
        `>= 0.9x bare: ${verdict(ratio(p.warm.throughput, b.warm.throughput) >= 0.9)}`],
      ["warm p50 latency (ms)", fmt(p.warm.p50), fmt(b.warm.p50), x(p.warm.p50, b.warm.p50), ""],
      ["warm p99 latency (ms)", fmt(p.warm.p99), fmt(b.warm.p99), x(p.warm.p99, b.warm.p99), `< 100 ms: ${verdict(p.warm.p99 < 100)}`],
      ["warm: Worker CPU per action (ms; the workerd running Worker + DOs)", fmt(p.warm.workerCpuMs, 2), fmt(b.warm.workerCpuMs, 2), x(p.warm.workerCpuMs, b.warm.workerCpuMs), ""],
      ["warm: wrangler dev-proxy CPU per action (ms; not in production)", fmt(p.warm.proxyCpuMs, 2), fmt(b.warm.proxyCpuMs, 2), x(p.warm.proxyCpuMs, b.warm.proxyCpuMs), ""],
      ["warm errors / lost increments", `${p.warm.errors} / ${p.warm.lost}`, `${b.warm.errors} / ${b.warm.lost}`, "", "0"],
      [`cold first call p50 (ms, sequential, ${CONFIG.cold.agents} agents)`, fmt(p.cold.p50), fmt(b.cold.p50), x(p.cold.p50, b.cold.p50),
        `<= 1.5x bare: ${verdict(ratio(p.cold.p50, b.cold.p50) <= 1.5)}`],
      ["cold first call p99 (ms)", fmt(p.cold.p99), fmt(b.cold.p99), x(p.cold.p99, b.cold.p99), ""],
      [`spawn ${fmtInt(count)}: time (s, c=${CONFIG.spawn.concurrency})`, fmt(p.spawn.seconds, 2), fmt(b.spawn.seconds, 2), x(p.spawn.seconds, b.spawn.seconds), ""],
      ["spawn rate (agents/s)", fmtInt(p.spawn.rate), fmtInt(b.spawn.rate), x(p.spawn.rate, b.spawn.rate), ""],
      ["spawn p50 / p99 latency (ms)", `${fmt(p.spawn.p50)} / ${fmt(p.spawn.p99)}`, `${fmt(b.spawn.p50)} / ${fmt(b.spawn.p99)}`, x(p.spawn.p99, b.spawn.p99) + " (p99)", ""],
      ["spawn: Worker CPU per spawn (ms)", fmt(p.spawn.workerCpuMs, 2), fmt(b.spawn.workerCpuMs, 2), x(p.spawn.workerCpuMs, b.spawn.workerCpuMs), ""],
      [`spawn ${fmtInt(count)}: client errors`, `${p.spawn.errors}${p.spawn.complete ? "" : " (incomplete)"}`, `${b.spawn.errors}${b.spawn.complete ? "" : " (incomplete)"}`, "",
        `0 errors, all ${fmtInt(count)}: ${verdict(p.spawn.errors === 0 && p.spawn.count === count)}`],
    ];

    await stopAllServers();
    const logs = sides.map((side) => [side.name, scanLog(side.server)] as const);
    console.log("\n## Server logs (stdout + stderr of wrangler dev, --log-level warn)");
    for (const [name, scan] of logs) {
      console.log(`  ${name}: ${scan.nomem} SQLITE_NOMEM lines, ${scan.errorLines} error-like lines, ${scan.warnLines} warn lines`);
      for (const line of scan.samples) console.log(`    ${line}`);
    }
    if (logs.some(([, scan]) => scan.nomem > 0)) {
      console.log(
        "  SQLITE_NOMEM: likely workerd's process-wide SQLite heap cap (sqlite3_hard_heap_limit64, 512 MiB by default):\n" +
          "  every live SQLite-backed object holds a connection, and with thousands alive at once (spawned faster than idle\n" +
          "  objects are evicted) SQLite allocations fail. If the bare side shows it too, it is a limit of the local runtime.",
      );
    }
    rows.push(["other processes' CPU during measurements (cores busy, avg)", fmt(noise.otherSeconds / Math.max(noise.wallSeconds, 1e-9), 2), "", "", "~0 (else figures are noisy)"]);
    rows.push(["measurements disturbed by a wrangler reload", String(reloads.platform), String(reloads.bare), "", "0 (else rerun)"]);
    const nomem = (name: SideName) => String(logs.find(([side]) => side === name)?.[1].nomem ?? "n/a");
    rows.push(["server log SQLITE_NOMEM lines", nomem("platform"), nomem("bare"), "", "0"]);

    console.log(`\n## Agent benchmark summary${QUICK ? " (BENCH_QUICK=1: reduced counts)" : ""}\n`);
    console.log(markdownTable(["metric", "platform", "bare", "ratio", "target"], rows));
    console.log("\nratio = platform / bare. Targets are judged on the platform's figures; the exit code does not depend on them.");
    return { warm, cold, spawn };
  } finally {
    for (const side of sidesList) side.client.close();
    await stopAllServers();
    forgetCleanup();
    removeState();
  }
};
