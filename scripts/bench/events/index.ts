// Event benchmark: the platform's event bus against a bare Durable Object appending the
// same rows (fixtures/bare: an append-only SQLite table with unique ids and a gap-free
// sequence). Both run under `wrangler dev` at the same time and are measured in
// alternating rounds (A, B, B, A, ...) so that both see the same machine conditions.
// Figures:
//   1. publish throughput to one stream at concurrency 16, single events and batches of 10;
//   2. publish throughput over 16 streams (scaling with the number of objects) (publish.ts);
//   3. end-to-end latency from publish to delivery, platform only (the bare side has no
//      delivery): an agent target (the `counter`'s increment, observed by polling the
//      agent) and a webhook target (a receiver in this process, no polling) (latency.ts);
//   4. replay of a long stream (100,000 events) as NDJSON and as JSON pages of 1000 (replay.ts);
//   5. the cost of matching a subscription pattern, typical and worst case, in this
//      process before the servers start (pattern-cost.ts).
// Every acknowledged event is accounted for: each stream's final length must equal the
// events acknowledged on it, with distinct sequence numbers and no duplicates (ledgers.ts).
// This file runs them in turn and prints the summary (summary.ts).
// A benchmark, not a test: it prints figures and judges nothing by exit code.
//
// BENCH_QUICK=1      smaller counts and shorter rounds, for smoke runs
// BENCH_KEEP_STATE=1 keep the persisted state under /dev/shm after the run
// JIDO_TOKEN, JIDO_JWT_SECRET, BENCH_PLATFORM_CONFIG: as in agents/index.ts
import { QUICK } from "../lib/env.ts";
import { describe } from "../lib/http.ts";
import { printServerLogs } from "../lib/server-log.ts";
import { groupRss, stopAllServers } from "../lib/servers.ts";
import type { SessionDirs } from "../lib/session.ts";
import { type SideName, withSides } from "../lib/sides.ts";
import { markdownTable } from "../lib/stats.ts";
import { CONFIG, CORES } from "./config.ts";
import { type LatencyFigures, latencyBench } from "./latency.ts";
import { checkClean, checkStreams, checkText, publishOp } from "./ledgers.ts";
import { type PatternFigures, patternBench } from "./pattern-cost.ts";
import { type PublishFigures, type PublishVariant, publishBench } from "./publish.ts";
import { type ReplayFigures, replayBench } from "./replay.ts";
import { makeSide } from "./side.ts";
import type { EventBenchResult } from "./result.ts";
import { summaryRows } from "./summary.ts";

export type { EventBenchResult } from "./result.ts";

export const runEventBench = async (): Promise<EventBenchResult> => {
  const runId = Date.now().toString(36);
  const patterns = patternBench(QUICK);
  const prefixes = { state: "/dev/shm/jido-bench-events-", logs: "/tmp/jido-bench-events-logs-" };
  const intro = ({ stateDir, logDir }: SessionDirs) => [
    `# Event benchmark${QUICK ? " (BENCH_QUICK=1)" : ""}`,
    `state: ${stateDir} (tmpfs); server logs: ${logDir}; ${CORES} cores`,
  ];
  return withSides(prefixes, intro, makeSide, async (sides) => {
    // Smoke: both sides publish, read back and count one event.
    for (const side of sides) {
      const stream = `smoke-${runId}`;
      const outcome = await publishOp(side, runId, stream, 1);
      const page = await side.readPage(stream, 1, 10);
      const check = await checkStreams(side, [stream]);
      if (!outcome.ok || page.status !== 200 || !checkClean(check) || check.stored !== 1) {
        throw new Error(`${side.name} smoke failed: publish ${outcome.error ?? "ok"}; read ${describe(page)}; ${checkText(check)}`);
      }
    }

    const { streams: streamCount, batch } = CONFIG.publish;
    const variants: PublishVariant[] = [
      { key: "one", title: "one stream", streams: [`pub-one-${runId}`], batch: 1 },
      { key: "batch", title: "one stream", streams: [`pub-batch-${runId}`], batch },
      { key: "many", title: `${streamCount} streams (events spread round-robin)`, streams: Array.from({ length: streamCount }, (_, i) => `pub-many-${runId}-${i}`), batch: 1 },
    ];
    const publish: Record<string, Record<SideName, PublishFigures>> = {};
    for (const variant of variants) publish[variant.key] = await publishBench(sides, runId, variant);
    const latency = await latencyBench(sides[0], runId);
    const replay = await replayBench(sides, runId);
    for (const side of sides) console.log(`  ${side.name} RSS at the end: ${groupRss(side.server)}`);

    await stopAllServers();
    const logs = printServerLogs(sides);

    console.log(`\n## Event benchmark summary${QUICK ? " (BENCH_QUICK=1: reduced counts)" : ""}\n`);
    console.log(markdownTable(["metric", "platform", "bare", "ratio", "target"], summaryRows(sides, { publish, latency, replay, patterns }, logs)));
    console.log(
      "\nratio = platform / bare. Throughput: events acknowledged per second of wall time, over all measured rounds. Latency: platform only (the bare\n" +
        "side stores events and delivers nothing). Targets are judged on the platform's figures; the exit code does not depend on them.",
    );
    return { publish, latency, replay, patterns };
  });
};
