// Event benchmark, replay: a long stream filled on each side (in batches), then read back
// from sequence 1 as NDJSON (one GET) and as JSON pages following `next`, in alternating
// rounds; every read checked complete, in order and without an id twice.
import { cpuTotals, type CpuTotals, msPer } from "../lib/cpu-tally.ts";
import { describe } from "../lib/http.ts";
import { printErrors } from "../lib/report.ts";
import { cpuMark } from "../lib/servers.ts";
import { alternating, type SideName } from "../lib/sides.ts";
import { closedLoop, fmt, fmtInt } from "../lib/stats.ts";
import { CONFIG, SETUP_MAX_MS } from "./config.ts";
import { checkStreams, checkText, publishOp, type StreamCheck } from "./ledgers.ts";
import { endMeasurement, median, summary } from "./measure.ts";
import { parse, type Side } from "./side.ts";

type ReadResult = { ms: number; events: number; ok: boolean; problem: string; bytes: number };

/** Checks events in read order: sequences 1..N consecutive, ids distinct. */
const verifyOrder = (events: readonly { sequence?: unknown; id?: unknown }[], startAt: number, ids: Set<unknown>): string => {
  let expected = startAt;
  for (const event of events) {
    if (event.sequence !== expected) return `sequence ${String(event.sequence)} where ${expected} was expected`;
    if (ids.has(event.id)) return `id ${String(event.id)} read twice`;
    ids.add(event.id);
    expected++;
  }
  return "";
};

const readNdjson = async (side: Side, stream: string, expected: number): Promise<ReadResult> => {
  const reply = await side.readNdjson(stream, 1);
  if (reply.status !== 200) return { ms: reply.ms, events: 0, ok: false, problem: describe(reply), bytes: 0 };
  // Timed to the end of the body; parsing and checking happen afterwards.
  const lines = reply.body.split("\n").filter((line) => line.length > 0);
  let events: { sequence?: unknown; id?: unknown }[];
  try {
    events = lines.map((line) => JSON.parse(line) as { sequence?: unknown; id?: unknown });
  } catch (error) {
    return { ms: reply.ms, events: lines.length, ok: false, problem: `unparsable line: ${String(error)}`, bytes: reply.body.length };
  }
  let problem = verifyOrder(events, 1, new Set());
  if (!problem && events.length !== expected) problem = `${events.length} events, ${expected} expected`;
  return { ms: reply.ms, events: events.length, ok: problem === "", problem, bytes: reply.body.length };
};

const readPages = async (side: Side, stream: string, expected: number): Promise<ReadResult> => {
  const { page, maxMs } = CONFIG.replay;
  const started = performance.now();
  const ids = new Set<unknown>();
  let from = 1;
  let events = 0;
  let bytes = 0;
  let problem = "";
  for (let pages = 0; pages <= expected / page + 2 && performance.now() - started < maxMs; pages++) {
    const reply = await side.readPage(stream, from, page);
    const body = parse(reply.body) as { items?: { sequence?: unknown; id?: unknown }[]; next?: unknown } | undefined;
    if (reply.status !== 200 || !Array.isArray(body?.items)) {
      problem = describe(reply);
      break;
    }
    bytes += reply.body.length;
    problem = verifyOrder(body.items, from, ids);
    if (problem) break;
    events += body.items.length;
    if (body.next === null) break;
    if (typeof body.next !== "number") {
      problem = `next is ${String(body.next)}`;
      break;
    }
    from = body.next;
  }
  const ms = performance.now() - started;
  if (!problem && events !== expected) problem = `${events} events, ${expected} expected`;
  return { ms, events, ok: problem === "", problem, bytes };
};

export type ReplayFigures = {
  fill: { eventsPerSecond: number; seconds: number; errors: number; workerCpuMs: number; check: StreamCheck };
  ndjson: { seconds: number; eventsPerSecond: number; workerCpuMsPer1000: number; ok: boolean; problems: string[] };
  pages: { seconds: number; eventsPerSecond: number; workerCpuMsPer1000: number; ok: boolean; problems: string[] };
};

export const replayBench = async (sides: readonly [Side, Side], runId: string): Promise<Record<SideName, ReplayFigures>> => {
  const { events, batch, fillConcurrency, rounds } = CONFIG.replay;
  const stream = `replay-${runId}`;
  const requests = Math.ceil(events / batch);
  console.log(`\n## Replay: ${fmtInt(events)} events published to one stream in batches of ${batch} (concurrency ${fillConcurrency}), then read back from sequence 1`);
  console.log(`  NDJSON: one GET with Accept: application/x-ndjson; pages: GET ?from=&limit=${CONFIG.replay.page} following 'next'. ${rounds} round(s) per side and method, alternating; median reported.`);
  const figures = {} as Record<SideName, ReplayFigures>;
  for (const side of sides) {
    const mark = cpuMark(side.server);
    const cpu = cpuTotals();
    const fill = await closedLoop({ concurrency: fillConcurrency, maxCount: requests, maxMs: SETUP_MAX_MS * 2, op: () => publishOp(side, runId, stream, batch) });
    console.log(`  fill ${side.name.padEnd(8)} ${summary(fill, batch)}`);
    endMeasurement(side, mark, fill.ok * batch, cpu);
    printErrors("fill errors", fill);
    const check = await checkStreams(side, [stream]);
    console.log(`  fill ${side.name.padEnd(8)} check: ${checkText(check)}`);
    if (check.stored < events) throw new Error(`replay: ${side.name} stream holds ${check.stored} events, ${events} wanted; ${fill.firstErrors.join(" | ")}`);
    figures[side.name] = {
      fill: { eventsPerSecond: ((fill.ok * batch) / fill.elapsedMs) * 1000, seconds: fill.elapsedMs / 1000, errors: fill.errors, workerCpuMs: msPer(cpu.worker, cpu.count), check },
      ndjson: { seconds: Number.NaN, eventsPerSecond: Number.NaN, workerCpuMsPer1000: Number.NaN, ok: true, problems: [] },
      pages: { seconds: Number.NaN, eventsPerSecond: Number.NaN, workerCpuMsPer1000: Number.NaN, ok: true, problems: [] },
    };
  }
  const stored = Math.min(...sides.map((side) => figures[side.name].fill.check.stored));
  const times: Record<SideName, Record<"ndjson" | "pages", number[]>> = { platform: { ndjson: [], pages: [] }, bare: { ndjson: [], pages: [] } };
  const cpu: Record<SideName, Record<"ndjson" | "pages", CpuTotals>> = {
    platform: { ndjson: cpuTotals(), pages: cpuTotals() },
    bare: { ndjson: cpuTotals(), pages: cpuTotals() },
  };
  for (let round = 0; round < rounds; round++) {
    for (const method of alternating(["ndjson", "pages"] as const, round)) {
      for (const side of alternating(sides, round)) {
        const expected = figures[side.name].fill.check.stored;
        const mark = cpuMark(side.server);
        const result = method === "ndjson" ? await readNdjson(side, stream, expected) : await readPages(side, stream, expected);
        console.log(
          `  round ${round + 1} ${method.padEnd(6)} ${side.name.padEnd(8)} ${fmtInt(result.events)} events, ${fmt(result.bytes / 2 ** 20, 1)} MiB in ${fmt(result.ms / 1000, 2)}s = ` +
            `${fmtInt((result.events / result.ms) * 1000)} events/s${result.ok ? "; in order, complete" : `; PROBLEM: ${result.problem}`}`,
        );
        endMeasurement(side, mark, result.events, cpu[side.name][method]);
        const f = figures[side.name][method];
        if (!result.ok) {
          f.ok = false;
          f.problems.push(result.problem);
        } else times[side.name][method].push(result.ms);
      }
    }
  }
  for (const side of sides) {
    for (const method of ["ndjson", "pages"] as const) {
      const f = figures[side.name][method];
      const ms = median(times[side.name][method]);
      f.seconds = ms / 1000;
      f.eventsPerSecond = (stored / ms) * 1000;
      f.workerCpuMsPer1000 = msPer(cpu[side.name][method].worker, cpu[side.name][method].count) * 1000;
    }
  }
  return figures;
};
