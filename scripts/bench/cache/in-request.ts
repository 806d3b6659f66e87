// The cache benchmark's cost of one read inside a request: a bench-only agent's action
// doing 100 L1 hits (fixtures/cache-probe) and the bare Worker doing 100 direct object
// reads, each beside the same request with 0 reads; CPU per read is the difference / 100.
import { describe } from "../lib/http.ts";
import { msPer } from "../lib/cpu-tally.ts";
import { fmt, fmtInt, markdownTable } from "../lib/stats.ts";
import { type ReadCase, readBench, type Target } from "./reads.ts";

/** Reads per request in the in-request measurement. */
const READS = 100;
const PROBES = 8;

/** The cost of one read inside a request: 100 reads and 0 reads in the same request shape, per side, alternated. */
export const inRequestBench = async (full: Target, bare: Target): Promise<void> => {
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
