// Agent benchmark, spawn burst (`npm run bench -- spawn-burst`; not in the default run):
// 10,000 spawns per side in ONE continuous burst at concurrency 32, with no pauses
// between chunks, so that the local runtime's live objects pile up as under real load
// (the chunked spawn measurement of spawn.ts lets them settle between chunks). Both sides
// run in the same session, one after the other (bare first; BENCH_BURST_ROUNDS=2 adds a
// second round in the other order), through a plain client that knows nothing of the
// platform: an overload answer is retried every 200 ms, up to 20 attempts (PLAIN_CLIENT). It
// prints the wall time, the ratio to bare, the retries, the client-visible errors
// (requests that failed every attempt), and for the platform how long until its
// directory lists every agent the burst acknowledged (nothing acknowledged may be lost).
import type { CpuTotals } from "../lib/cpu-tally.ts";
import { cpuTotals, msPer } from "../lib/cpu-tally.ts";
import { describe, type Reply } from "../lib/http.ts";
import { QUICK } from "../lib/env.ts";
import { printErrors, ratioText, verdict } from "../lib/report.ts";
import { printServerLogs } from "../lib/server-log.ts";
import { type BenchServer, cpuMark, cpuSince, groupRss, stopAllServers } from "../lib/servers.ts";
import { alternating, type SideName, withSides } from "../lib/sides.ts";
import { closedLoop, fmt, fmtInt, markdownTable, percentile, ratio, sleep } from "../lib/stats.ts";
import { CONFIG, PLAIN_CLIENT } from "./config.ts";
import { endMeasurement, summary, tally } from "./measure.ts";
import { makeSide, type Side } from "./side.ts";

export type BurstFigures = { seconds: number; ok: number; errors: number; retries: number; p50: number; p99: number; workerCpuMs: number; directoryMs: number | null };

const ROUNDS = Math.max(1, Math.min(4, Number(process.env.BENCH_BURST_ROUNDS) || 1));

/** One request under the plain client policy: the final reply and how many attempts it took. */
const withPlainRetry = async (retryStatuses: readonly number[], send: () => Promise<Reply>): Promise<{ reply: Reply; attempts: number; ms: number }> => {
  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    const reply = await send();
    const retry = retryStatuses.includes(reply.status) && attempt < PLAIN_CLIENT.attempts;
    if (!retry) return { reply, attempts: attempt, ms: performance.now() - started };
    await sleep(PLAIN_CLIENT.retryEveryMs);
  }
};

/** One side's burst: every spawn through the plain client; ids `b-<run>-<round>-<i>`. */
const burst = async (side: Side, prefix: string, totals: CpuTotals) => {
  const { count, concurrency, maxMs } = CONFIG.burst;
  let retries = 0;
  const retriedStatuses = new Map<number, number>();
  const mark = cpuMark(side.server);
  const result = await closedLoop({
    concurrency,
    maxCount: count,
    maxMs,
    slowMs: 2_000,
    op: async (i) => {
      const { reply, attempts, ms } = await withPlainRetry(PLAIN_CLIENT.retryStatuses[side.name], () => side.spawn(`${prefix}-${i}`));
      retries += attempts - 1;
      if (attempts > 1) retriedStatuses.set(attempts, (retriedStatuses.get(attempts) ?? 0) + 1);
      return reply.status === 201 || reply.status === 200
        ? { ok: true, ms }
        : { ok: false, ms, error: `${describe(reply)} (after ${attempts} attempt${attempts === 1 ? "" : "s"})` };
    },
  });
  console.log(`  ${side.name.padEnd(8)} ${summary(result)}; ${retries} retries`);
  if (retriedStatuses.size > 0) {
    const spread = [...retriedStatuses].sort((a, b) => a[0] - b[0]).map(([n, requests]) => `${requests}x${n}`).join(", ");
    console.log(`    requests that needed more than one attempt (count x attempts): ${spread}`);
  }
  if (result.slow.length > 0) {
    const starts = result.slow.map((slow) => slow.startedAt);
    console.log(
      `    ${result.slow.length} requests took >= 2 s including retries (slowest ${fmt(Math.max(...result.slow.map((slow) => slow.ms)), 0)} ms), ` +
        `started between ${fmt(Math.min(...starts) / 1000, 1)}s and ${fmt(Math.max(...starts) / 1000, 1)}s into the burst`,
    );
  }
  endMeasurement(side, mark, result.ok + result.errors, totals, `; RSS ${groupRss(side.server)}`);
  printErrors("client-visible errors", result);
  return { result, retries };
};

/** The platform's directory: how long until it lists every spawned id with status running (null if not within the bound). */
const directoryComplete = async (side: Side, prefix: string, ok: number, sinceMs: number): Promise<number | null> => {
  const deadline = performance.now() + CONFIG.burst.directoryWaitMs;
  let seen = 0;
  while (performance.now() < deadline) {
    seen = 0;
    let cursor: string | null = "";
    while (cursor !== null) {
      const reply = await side.client.get(`/v1/agents?type=counter&status=running&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      if (reply.status !== 200) {
        console.log(`    directory list: ${describe(reply)}`);
        break;
      }
      const page = JSON.parse(reply.body) as { items: { id: string }[]; next: string | null };
      seen += page.items.filter((item) => item.id.startsWith(`${prefix}-`)).length;
      cursor = page.next;
    }
    if (seen >= ok) return performance.now() - sinceMs;
    await sleep(2_000);
  }
  console.log(`    directory: ${seen}/${ok} acknowledged agents listed as running after ${fmt(CONFIG.burst.directoryWaitMs / 1000, 0)} s`);
  return null;
};

/**
 * Waits (bounded) until the server is quiet: after a burst, wrangler goes on symbolising
 * the stack traces of the runtime's errors it logged, for minutes, on the cores the next
 * burst needs; the next side must not pay for this one. Answers the seconds it took.
 */
const settle = async (server: BenchServer): Promise<number> => {
  const started = performance.now();
  while (performance.now() - started < 300_000) {
    const mark = cpuMark(server);
    await sleep(1_000);
    const cpu = cpuSince(server, mark);
    if (cpu.serverSeconds / cpu.wallSeconds < 0.05) break;
  }
  return (performance.now() - started) / 1000;
};

export const runSpawnBurstBench = async (): Promise<Record<SideName, BurstFigures>> => {
  const runId = Date.now().toString(36);
  const { count, concurrency } = CONFIG.burst;
  const intro = ({ stateDir, logDir }: { stateDir: string; logDir: string }) => [
    `# Spawn burst${QUICK ? " (BENCH_QUICK=1)" : ""}: ${fmtInt(count)} spawns per side, one continuous burst at concurrency ${concurrency}, ${ROUNDS} round(s)`,
    `client: retries every ${PLAIN_CLIENT.retryEveryMs} ms, up to ${PLAIN_CLIENT.attempts} attempts, answers ${PLAIN_CLIENT.retryStatuses.platform.join("/")} (platform), ` +
      `${PLAIN_CLIENT.retryStatuses.bare.join("/")} (bare: it passes the runtime's faults on as 500); an error = a request that failed every attempt`,
    `state: ${stateDir} (tmpfs); server logs: ${logDir}`,
  ];
  return withSides({ state: "/dev/shm/jido-burst-", logs: "/tmp/jido-burst-logs-" }, intro, makeSide, async (sides) => {
    for (const side of sides) {
      const spawned = await side.spawn(`warm-${runId}`);
      if (spawned.status !== 201) throw new Error(`${side.name} smoke failed: spawn ${describe(spawned)}`);
    }
    const runs: Record<SideName, { seconds: number; ok: number; errors: number; retries: number; latencies: number[]; directoryMs: number | null }[]> = { platform: [], bare: [] };
    const cpu: Record<SideName, CpuTotals> = { platform: cpuTotals(), bare: cpuTotals() };
    for (let round = 0; round < ROUNDS; round++) {
      console.log(`\n## Round ${round + 1}`);
      // Bare first in round 1: the platform's burst then runs on a machine as warm as bare's.
      for (const side of alternating([sides[1], sides[0]] as const, round)) {
        const prefix = `b-${runId}-${round}`;
        const started = performance.now();
        const { result, retries } = await burst(side, prefix, cpu[side.name]);
        const directoryMs = side.name === "platform" ? await directoryComplete(side, prefix, result.ok, started + result.elapsedMs) : null;
        if (directoryMs !== null) console.log(`    directory lists all ${fmtInt(result.ok)} acknowledged agents ${fmt(directoryMs / 1000, 1)} s after the burst ended`);
        console.log(`    ${side.name} server quiet again ${fmt(await settle(side.server), 0)} s after the burst`);
        runs[side.name].push({ seconds: result.elapsedMs / 1000, ok: result.ok, errors: result.errors, retries, latencies: result.latencies, directoryMs });
      }
    }
    await stopAllServers();
    printServerLogs(sides);

    const figures = {} as Record<SideName, BurstFigures>;
    for (const side of sides) {
      const r = runs[side.name];
      const sum = (pick: (run: (typeof r)[number]) => number) => r.reduce((n, run) => n + pick(run), 0);
      const latencies = r.flatMap((run) => run.latencies);
      const waits = r.map((run) => run.directoryMs);
      figures[side.name] = {
        seconds: sum((run) => run.seconds) / r.length,
        ok: sum((run) => run.ok),
        errors: sum((run) => run.errors),
        retries: sum((run) => run.retries),
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        workerCpuMs: msPer(cpu[side.name].worker, cpu[side.name].count),
        directoryMs: waits.some((wait) => wait === null) ? null : Math.max(...(waits as number[])),
      };
    }
    const p = figures.platform;
    const b = figures.bare;
    const total = count * ROUNDS;
    console.log(`\n## Spawn burst summary${QUICK ? " (BENCH_QUICK=1: reduced counts)" : ""}\n`);
    console.log(
      markdownTable(["metric", "platform", "bare", "ratio", "target"], [
        [`burst of ${fmtInt(count)} spawns, c=${concurrency}: wall time (s, mean of ${ROUNDS})`, fmt(p.seconds, 1), fmt(b.seconds, 1), ratioText(p.seconds, b.seconds),
          `<= 1.5x bare: ${verdict(ratio(p.seconds, b.seconds) <= 1.5)}`],
        ["per-round wall times (s)", runs.platform.map((run) => fmt(run.seconds, 1)).join(", "), runs.bare.map((run) => fmt(run.seconds, 1)).join(", "), "", ""],
        ["spawn latency p50 / p99 incl. retries (ms)", `${fmt(p.p50)} / ${fmt(p.p99)}`, `${fmt(b.p50)} / ${fmt(b.p99)}`, "", ""],
        ["Worker CPU per spawn (ms)", fmt(p.workerCpuMs, 2), fmt(b.workerCpuMs, 2), ratioText(p.workerCpuMs, b.workerCpuMs), ""],
        ["retries (overload answered, tried again)", fmtInt(p.retries), fmtInt(b.retries), "", ""],
        [`client-visible errors (of ${fmtInt(total)})`, fmtInt(p.errors), fmtInt(b.errors), "", `0: ${verdict(p.errors === 0 && p.ok === total)}`],
        ["directory lists every acknowledged agent (s after the burst)", p.directoryMs === null ? "**not within the bound**" : fmt(p.directoryMs / 1000, 1), "", "", "all"],
        ["measurements disturbed by a wrangler reload", String(tally.reloads("platform")), String(tally.reloads("bare")), "", "0 (else rerun)"],
        ["other processes' CPU during the bursts (cores busy, avg)", tally.otherCores(), "", "", "~0 (else figures are noisy)"],
      ]),
    );
    return figures;
  });
};
