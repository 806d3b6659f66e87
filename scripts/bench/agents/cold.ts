// Agent benchmark, cold first call: new agents on both sides, the servers restarted, then
// the first call to each agent (and a second one), sequentially, the sides interleaved:
// the cost of a cold object, not of a cold isolate.
import { describe } from "../lib/http.ts";
import { cpuMark } from "../lib/servers.ts";
import { alternating, type SideName } from "../lib/sides.ts";
import { fmt, percentile } from "../lib/stats.ts";
import { CONFIG } from "./config.ts";
import { endMeasurement, setup } from "./measure.ts";
import { renewClient, type Side, spawnOutcome, valueOf } from "./side.ts";

export type ColdFigures = { p50: number; p99: number; secondP50: number; errors: number; restartMs: number; firstErrors: string[] };

export const coldBench = async (sides: readonly [Side, Side], runId: string, warmId: string): Promise<Record<SideName, ColdFigures>> => {
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
