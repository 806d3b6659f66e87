// The cache benchmark's Zipf(1.0) workload: cache-aside reads over 100,000 keys (a miss
// writes the key), a warm-up then a measured phase, counting which tier answered each
// read beside the ideal hit ratio of a cache that never forgets; and its report line.
import { describe } from "../lib/http.ts";
import { closedLoop, fmt, fmtInt, type LoadResult } from "../lib/stats.ts";
import { CONFIG } from "./config.ts";
import { cacheStatusOf, type Target } from "./reads.ts";
import { zipfSampler } from "./zipf.ts";

export type ZipfPhase = { reads: number; hits: number; writes: number; tiers: Map<string, number>; result: LoadResult; idealBefore: number; idealAfter: number };

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
export const zipfBench = async (target: Target) => {
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

export const zipfLine = (name: string, phase: ZipfPhase): string => {
  const share = (count: number) => `${fmt((count / Math.max(1, phase.reads)) * 100, 1)}%`;
  const tierText = ["l1", "l2", "l3", "origin"].map((t) => `${t} ${share(phase.tiers.get(t) ?? 0)}`).join(", ");
  const others = [...phase.tiers].filter(([t]) => !["l1", "l2", "l3", "origin"].includes(t)).map(([t, c]) => `${t} ${fmtInt(c)}`).join(", ");
  return `${name}: ${fmtInt(phase.reads)} reads in ${fmt(phase.result.elapsedMs / 1000, 1)} s, hit ratio ${share(phase.hits)} (${tierText}${others ? `; ${others}` : ""}); ` +
    `ideal (share of reads of keys already written) ${fmt(phase.idealBefore * 100, 1)}% at its start, ${fmt(phase.idealAfter * 100, 1)}% at its end; ${fmtInt(phase.writes)} cache-aside writes; ${phase.result.errors} errors`;
};
