// The cache benchmark's read measurements: a read case (a target server, its paths, the
// Cache-Status tier it must answer from), run in closed-loop rounds alternated across the
// cases so every case sees the same machine, with Worker CPU tallied per case. Shared by
// the tier comparison and the in-request measurement (index.ts, in-request.ts).
import { cpuTally, cpuTotals, type CpuTotals } from "../lib/cpu-tally.ts";
import { type Client, describe } from "../lib/http.ts";
import { type BenchServer, cpuMark } from "../lib/servers.ts";
import { closedLoop, fmt, fmtInt, type LoadResult, mergeResults, percentile } from "../lib/stats.ts";
import { CONFIG } from "./config.ts";

/** Worker CPU per case, and the other processes' CPU meanwhile (reported at the end). */
export const tally = cpuTally();

export type Target = { name: string; server: BenchServer; client: Client };
export type ReadCase = { label: string; target: Target; path: (i: number) => string; expect: RegExp | null; body?: unknown; check?: (body: string) => boolean };
export type ReadFigures = { result: LoadResult; totals: CpuTotals; otherTier: number };

export const cacheStatusOf = (headers: Record<string, unknown> | undefined): string => String(headers?.["cache-status"] ?? "");

export const mustPut = async (client: Client, path: string, value: unknown): Promise<void> => {
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
export const readBench = async (cases: readonly ReadCase[]): Promise<Map<string, ReadFigures>> => {
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
