// Resource pool benchmark, on one `wrangler dev` platform server. Figures:
//   1. acquire + release throughput on one pool at concurrency 64 (capacity 64, so no
//      request waits: the cost of a grant and a release through the Worker and the
//      pool's object), with acquire and release latency p50/p99;
//   2. under overload (a pool of 4 units, 8 clients per priority each holding its lease
//      20 ms, then asking again), the wait per priority as the pool measured it (the
//      lease's `waitedMs`: arrival -> grant), p50/p99, and the grants per priority;
//   3. the share per requester under overload: three subjects with weights 1:2:1, 12
//      clients each, on a pool of 4 units, holding 20 ms; the share of units granted
//      after a warm-up against the weights' share, and the largest relative deviation.
// A benchmark, not a test: it prints figures and judges nothing by exit code.
//
// BENCH_QUICK=1 shorter windows. JIDO_JWT_SECRET, BENCH_PLATFORM_CONFIG: as in agents/index.ts.
import { join } from "node:path";
import { signToken } from "../../../src/platform/security/tokens.ts";
import { PLATFORM_CONFIG, QUICK } from "../lib/env.ts";
import { type Client, createClient, describe } from "../lib/http.ts";
import { platformHeaders, platformServerVars } from "../lib/platform-auth.ts";
import { type BenchServer, startBenchServer } from "../lib/servers.ts";
import { runSession } from "../lib/session.ts";
import { fmt, fmtInt, markdownTable, percentile, sleep } from "../lib/stats.ts";
import { CONFIG } from "./config.ts";

const PRIORITIES = ["low", "normal", "high", "critical"] as const;
type Lease = { id: string; requester: string; units: number; waitedMs: number };

export type PoolBenchResult = {
  throughput: { cyclesPerSecond: number; acquireP50: number; acquireP99: number; releaseP50: number; releaseP99: number; errors: number };
  waits: Record<(typeof PRIORITIES)[number], { grants: number; p50: number; p99: number; timeouts: number }>;
  shares: { requester: string; weight: number; expected: number; share: number; deviation: number }[];
};

const clientFor = async (server: BenchServer, subject: string, maxSockets: number): Promise<Client> => {
  if (!server.secret) throw new Error("the platform server has no token secret to mint bench tokens with");
  const token = await signToken(server.secret, { subject, tenant: "bench", caps: ["admin"], ttlSeconds: 4 * 3600, rps: 1_000_000 });
  return createClient({ name: subject, host: server.host, port: server.port, headers: () => platformHeaders(token), maxSockets });
};

const createPool = async (client: Client, body: Record<string, unknown>): Promise<void> => {
  const reply = await client.post("/v1/pools", body);
  if (reply.status !== 201) throw new Error(`creating pool ${String(body.name)}: ${describe(reply)}`);
};

/** Until `deadline`: acquire, hold `holdMs`, release; `onGrant` sees each lease. */
const cycleUntil = async (client: Client, pool: string, body: Record<string, unknown>, holdMs: number, deadline: number, onGrant: (lease: Lease, ms: number) => void, onRefusal: (status: number, text: string) => void, onRelease?: (ms: number) => void) => {
  while (performance.now() < deadline) {
    const acquired = await client.post(`/v1/pools/${pool}/acquire`, { timeoutMs: CONFIG.timeoutMs, ...body });
    if (acquired.status !== 200) {
      onRefusal(acquired.status, describe(acquired));
      await sleep(50);
      continue;
    }
    const lease = JSON.parse(acquired.body) as Lease;
    onGrant(lease, acquired.ms);
    if (holdMs > 0) await sleep(holdMs);
    const released = await client.post(`/v1/leases/${lease.id}/release`, undefined);
    if (released.status !== 200) onRefusal(released.status, describe(released));
    else onRelease?.(released.ms);
  }
};

export const runPoolBench = async (): Promise<PoolBenchResult> => {
  const clients: Client[] = [];
  const tag = Date.now().toString(36);
  return runSession({ state: "/dev/shm/jido-bench-pools-", logs: "/tmp/jido-bench-pools-logs-" }, () => clients.forEach((c) => c.close()), async ({ stateDir, logDir }) => {
    console.log(`# Resource pool benchmark${QUICK ? " (BENCH_QUICK=1)" : ""}`);
    const server = await startBenchServer({ name: "platform", persistTo: stateDir, logFile: join(logDir, "platform.log"), vars: platformServerVars(), ...(PLATFORM_CONFIG ? { config: PLATFORM_CONFIG } : {}) });
    console.log(`platform: wrangler dev pid ${server.pid} at ${server.url}; server log ${logDir}`);
    const admin = await clientFor(server, "bench", 128);
    clients.push(admin);
    const firstRefusals: string[] = [];
    const refused = (status: number, text: string) => {
      if (firstRefusals.length < 5) firstRefusals.push(text);
      void status;
    };

    // 1. Throughput: capacity = concurrency, so every acquire is granted at once.
    const { concurrency, ms } = CONFIG.throughput;
    const fast = `fast-${tag}`;
    await createPool(admin, { name: fast, capacity: concurrency });
    const acquireMs: number[] = [];
    const releaseMs: number[] = [];
    let errors = 0;
    const warm = performance.now() + 1_000;
    await Promise.all(Array.from({ length: concurrency }, () => cycleUntil(admin, fast, {}, 0, warm, () => {}, () => errors++)));
    errors = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, () =>
        cycleUntil(admin, fast, {}, 0, started + ms, (_, t) => acquireMs.push(t), (status, text) => {
          errors++;
          refused(status, text);
        }, (t) => releaseMs.push(t)),
      ),
    );
    const elapsed = (performance.now() - started) / 1000;
    const throughput = {
      cyclesPerSecond: releaseMs.length / elapsed,
      acquireP50: percentile(acquireMs, 50),
      acquireP99: percentile(acquireMs, 99),
      releaseP50: percentile(releaseMs, 50),
      releaseP99: percentile(releaseMs, 99),
      errors,
    };
    console.log(`1. throughput: ${fmtInt(releaseMs.length)} acquire+release cycles in ${fmt(elapsed)} s = ${fmt(throughput.cyclesPerSecond, 0)}/s; errors ${errors}`);

    // 2. Wait per priority under overload.
    const { capacity, clientsPerPriority, holdMs, ms: overloadMs } = CONFIG.overload;
    const busy = `busy-${tag}`;
    await createPool(admin, { name: busy, capacity, fairness: "fifo" });
    const waited = Object.fromEntries(PRIORITIES.map((p) => [p, [] as number[]])) as Record<(typeof PRIORITIES)[number], number[]>;
    const timeouts = Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as Record<(typeof PRIORITIES)[number], number>;
    const overloadEnd = performance.now() + overloadMs;
    await Promise.all(
      PRIORITIES.flatMap((priority) =>
        Array.from({ length: clientsPerPriority }, () =>
          cycleUntil(admin, busy, { priority }, holdMs, overloadEnd, (lease) => waited[priority].push(lease.waitedMs), (status, text) => {
            if (status === 503) timeouts[priority]++;
            refused(status, text);
          }),
        ),
      ),
    );
    const waits = Object.fromEntries(
      PRIORITIES.map((p) => [p, { grants: waited[p].length, p50: percentile(waited[p], 50), p99: percentile(waited[p], 99), timeouts: timeouts[p] }]),
    ) as PoolBenchResult["waits"];
    console.log(`2. overload: grants per priority ${PRIORITIES.map((p) => `${p} ${waits[p].grants}`).join(", ")}`);

    // 3. Shares between weighted requesters.
    const { weights, clientsEach, warmupMs, ms: sharesMs } = CONFIG.shares;
    const shared = `shared-${tag}`;
    await createPool(admin, { name: shared, capacity: CONFIG.shares.capacity, weights: Object.fromEntries(Object.entries(weights).map(([s, w]) => [`sub:${s}`, w])) });
    const units = new Map<string, number>();
    const countFrom = performance.now() + warmupMs;
    const sharesEnd = countFrom + sharesMs;
    await Promise.all(
      Object.keys(weights).map(async (subject) => {
        const client = await clientFor(server, subject, clientsEach);
        clients.push(client);
        await Promise.all(
          Array.from({ length: clientsEach }, () =>
            cycleUntil(client, shared, {}, CONFIG.shares.holdMs, sharesEnd, (lease) => {
              if (performance.now() >= countFrom) units.set(subject, (units.get(subject) ?? 0) + lease.units);
            }, refused),
          ),
        );
      }),
    );
    const total = [...units.values()].reduce((a, b) => a + b, 0);
    const weightSum = Object.values(weights).reduce((a, b) => a + b, 0);
    const shares = Object.entries(weights).map(([requester, weight]) => {
      const expected = weight / weightSum;
      const share = (units.get(requester) ?? 0) / Math.max(1, total);
      return { requester, weight, expected, share, deviation: Math.abs(share - expected) / expected };
    });

    console.log(`\n## Resource pool benchmark summary${QUICK ? " (BENCH_QUICK=1)" : ""}\n`);
    console.log(markdownTable(["metric", "value"], [
      [`acquire+release on one pool, c=${concurrency}`, `${fmt(throughput.cyclesPerSecond, 0)} cycles/s; acquire p50 ${fmt(throughput.acquireP50)} / p99 ${fmt(throughput.acquireP99)} ms; release p50 ${fmt(throughput.releaseP50)} / p99 ${fmt(throughput.releaseP99)} ms; ${errors} errors`],
      ...PRIORITIES.map((p) => [`wait under overload, ${p} (${capacity} units, ${clientsPerPriority * PRIORITIES.length} clients, hold ${holdMs} ms)`, `p50 ${fmt(waits[p].p50, 0)} / p99 ${fmt(waits[p].p99, 0)} ms; ${fmtInt(waits[p].grants)} grants; ${waits[p].timeouts} timeouts`]),
      ...shares.map((s) => [`share of ${s.requester} (weight ${s.weight})`, `${fmt(100 * s.share)}% vs ${fmt(100 * s.expected)}% expected: ${fmt(100 * s.deviation)}% off`]),
      ["largest share deviation (target <= 10%)", `${fmt(100 * Math.max(...shares.map((s) => s.deviation)))}% over ${fmtInt(total)} units granted`],
    ]));
    if (firstRefusals.length > 0) console.log(`\nfirst refusals: ${firstRefusals.join(" | ")}`);
    return { throughput, waits, shares };
  });
};
