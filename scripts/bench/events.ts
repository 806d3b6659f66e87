// Event benchmark: the platform's event bus against a bare Durable Object appending the
// same rows (fixtures/bare: an append-only SQLite table with unique ids and a gap-free
// sequence). Both run under `wrangler dev` at the same time and are measured in
// alternating rounds (A, B, B, A, ...) so that both see the same machine conditions.
// Figures:
//   1. publish throughput to one stream at concurrency 16, single events and batches of 10;
//   2. publish throughput over 16 streams (scaling with the number of objects);
//   3. end-to-end latency from publish to delivery, platform only (the bare side has no
//      delivery): an agent target (the `counter`'s increment, observed by polling the
//      agent) and a webhook target (a receiver in this process, no polling);
//   4. replay of a long stream (100,000 events) as NDJSON and as JSON pages of 1000.
// Every acknowledged event is accounted for: each stream's final length must equal the
// events acknowledged on it, with distinct sequence numbers and no duplicates.
// A benchmark, not a test: it prints figures and judges nothing by exit code.
//
// BENCH_QUICK=1      smaller counts and shorter rounds, for smoke runs
// BENCH_KEEP_STATE=1 keep the persisted state under /dev/shm after the run
// JIDO_TOKEN, JIDO_JWT_SECRET, BENCH_PLATFORM_CONFIG: as in agents.ts
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
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
import { startWebhookReceiver, type WebhookReceiver } from "./lib/webhook-receiver.ts";

const QUICK = process.env.BENCH_QUICK === "1";
const CORES = availableParallelism();

const CONFIG = QUICK
  ? {
      publish: { concurrency: 16, streams: 16, batch: 10, rounds: 2, roundMs: 2_000, roundMaxCount: 50_000, warmupMs: 1_000 },
      latency: { events: 30, warmupEvents: 3, intervalMs: 50, eventTimeoutMs: 10_000, maxPolls: 2_000, maxMs: 120_000 },
      replay: { events: 10_000, batch: 1_000, fillConcurrency: 4, rounds: 1, page: 1_000, maxMs: 120_000 },
    }
  : {
      publish: { concurrency: 16, streams: 16, batch: 10, rounds: 5, roundMs: 3_000, roundMaxCount: 100_000, warmupMs: 3_000 },
      latency: { events: 200, warmupEvents: 5, intervalMs: 50, eventTimeoutMs: 10_000, maxPolls: 2_000, maxMs: 300_000 },
      replay: { events: 100_000, batch: 1_000, fillConcurrency: 4, rounds: 3, page: 1_000, maxMs: 300_000 },
    };

const BARE_CONFIG = fileURLToPath(new URL("./fixtures/bare/wrangler.toml", import.meta.url));
const PLATFORM_CONFIG = process.env.BENCH_PLATFORM_CONFIG || undefined;
const SETUP_MAX_MS = 120_000;

type SideName = "platform" | "bare";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const describe = (reply: Reply): string => `${reply.status} ${reply.body.slice(0, 300).replace(/\s+/g, " ")}`;
const parse = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

// --- bookkeeping: what each stream acknowledged ---------------------------------------------

/** Per stream: events acknowledged as new, their sequences (must be distinct), and oddities. */
type Ledger = { acked: number; sequences: Set<number>; duplicates: number; reusedSequences: number };
const ledger = (): Ledger => ({ acked: 0, sequences: new Set(), duplicates: 0, reusedSequences: 0 });

/** Client-visible failures by kind: "5xx", "4xx", "network" (status 0), "malformed ack". */
type ErrorCounts = Record<string, number>;
const countError = (counts: ErrorCounts, reply: Reply | undefined): void => {
  const kind = reply === undefined ? "malformed ack" : reply.status === 0 ? "network" : reply.status >= 500 ? "5xx" : reply.status >= 400 ? "4xx" : "other";
  counts[kind] = (counts[kind] ?? 0) + 1;
};
const errorText = (counts: ErrorCounts): string =>
  Object.entries(counts)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(", ") || "0";

type BenchEvent = { id: string; source: string; type: string; data: { by: number } };

/** One system under test: how it publishes, reads and measures a stream. */
type Side = {
  name: SideName;
  server: BenchServer;
  client: Client;
  /** A single event is sent as an object, several as an array. */
  publish(stream: string, events: readonly BenchEvent[]): Promise<Reply>;
  readPage(stream: string, from: number, limit: number): Promise<Reply>;
  readNdjson(stream: string, from: number): Promise<Reply>;
  info(stream: string): Promise<Reply>;
  ledgers: Map<string, Ledger>;
  errors: ErrorCounts;
  nextId: number;
};

const makeSide = async (name: SideName, server: BenchServer): Promise<Side> => {
  const token = name === "platform" ? await platformToken(server) : undefined;
  const headers = name === "platform" ? () => platformHeaders(token) : bareHeaders;
  const client = createClient({ name, host: server.host, port: server.port, headers, maxSockets: 64 });
  const ndjson = { accept: "application/x-ndjson" };
  const s = (stream: string) => encodeURIComponent(stream);
  return {
    name,
    server,
    client,
    publish: (stream, events) => {
      if (name === "platform") {
        const withStream = events.map((event) => ({ ...event, stream }));
        return client.post("/v1/events", withStream.length === 1 ? withStream[0] : withStream);
      }
      return client.post(`/streams/${s(stream)}/events`, events.length === 1 ? events[0] : events);
    },
    readPage: (stream, from, limit) => client.get(`${name === "platform" ? "/v1" : ""}/streams/${s(stream)}/events?from=${from}&limit=${limit}`),
    readNdjson: (stream, from) => client.get(`${name === "platform" ? "/v1" : ""}/streams/${s(stream)}/events?from=${from}`, ndjson),
    info: (stream) => client.get(`${name === "platform" ? "/v1" : ""}/streams/${s(stream)}`),
    ledgers: new Map(),
    errors: {},
    nextId: 0,
  };
};

const newEvents = (side: Side, runId: string, count: number): BenchEvent[] =>
  Array.from({ length: count }, () => ({ id: `${runId}-${side.nextId++}`, source: "bench", type: "bench.tick", data: { by: 1 } }));

/**
 * Publishes `count` new events to `stream` and checks the acknowledgement: 201, one item
 * per event in order, same ids, integer sequences. Acknowledged events go to the ledger.
 */
const publishOp = async (side: Side, runId: string, stream: string, count: number): Promise<Outcome> => {
  const events = newEvents(side, runId, count);
  const reply = await side.publish(stream, events);
  if (reply.status !== 201) {
    countError(side.errors, reply);
    return { ok: false, ms: reply.ms, error: describe(reply) };
  }
  const items = (parse(reply.body) as { items?: unknown } | undefined)?.items;
  const valid =
    Array.isArray(items) &&
    items.length === events.length &&
    items.every((item: { id?: unknown; sequence?: unknown }, i) => item?.id === events[i]?.id && Number.isSafeInteger(item?.sequence));
  if (!valid) {
    countError(side.errors, undefined);
    return { ok: false, ms: reply.ms, error: `malformed acknowledgement: ${describe(reply)}` };
  }
  let book = side.ledgers.get(stream);
  if (!book) side.ledgers.set(stream, (book = ledger()));
  for (const item of items as { sequence: number; duplicate?: boolean }[]) {
    // Every id is new: a duplicate means the platform stored the event once and answered
    // it again, e.g. after an internal retry of an append that had succeeded.
    if (item.duplicate) book.duplicates++;
    else book.acked++;
    if (book.sequences.has(item.sequence)) book.reusedSequences++;
    book.sequences.add(item.sequence);
  }
  return { ok: true, ms: reply.ms };
};

type StreamCheck = { streams: number; acked: number; stored: number; lost: number; extra: number; duplicates: number; reused: number; problems: string[] };

/** Compares each stream's stored length with the events acknowledged on it. */
const checkStreams = async (side: Side, streams: readonly string[]): Promise<StreamCheck> => {
  const check: StreamCheck = { streams: streams.length, acked: 0, stored: 0, lost: 0, extra: 0, duplicates: 0, reused: 0, problems: [] };
  for (const stream of streams) {
    const book = side.ledgers.get(stream) ?? ledger();
    const reply = await side.info(stream);
    const info = parse(reply.body) as { length?: unknown; last?: unknown } | undefined;
    if (reply.status !== 200 || typeof info?.length !== "number") {
      check.problems.push(`${stream}: info ${describe(reply)}`);
      continue;
    }
    check.acked += book.acked;
    check.stored += info.length;
    check.duplicates += book.duplicates;
    check.reused += book.reusedSequences;
    if (info.length < book.acked) check.lost += book.acked - info.length;
    if (info.length > book.acked) check.extra += info.length - book.acked;
    const maxSeq = book.sequences.size === 0 ? 0 : Math.max(...book.sequences);
    if (info.last !== info.length || maxSeq > info.length) {
      check.problems.push(`${stream}: length ${info.length}, last ${String(info.last)}, highest acknowledged sequence ${maxSeq}`);
    }
  }
  return check;
};

const checkText = (c: StreamCheck): string =>
  `${c.streams} stream(s): ${fmtInt(c.acked)} acknowledged, ${fmtInt(c.stored)} stored; lost ${c.lost}, unacknowledged but stored ${c.extra}, ` +
  `answered as duplicate ${c.duplicates}, sequence reused ${c.reused}` + (c.problems.length > 0 ? `; ${c.problems.slice(0, 3).join("; ")}` : "");

const checkClean = (c: StreamCheck): boolean => c.lost === 0 && c.extra === 0 && c.duplicates === 0 && c.reused === 0 && c.problems.length === 0;

// --- CPU accounting -------------------------------------------------------------------------

const reloads: Record<SideName, number> = { platform: 0, bare: 0 };
const noise = { otherSeconds: 0, wallSeconds: 0 };

type CpuTotals = { worker: number; proxy: number; client: number; events: number };
const cpuTotals = (): CpuTotals => ({ worker: 0, proxy: 0, client: 0, events: 0 });
const perEventMs = (seconds: number, events: number): number => (events > 0 ? (seconds / events) * 1000 : Number.NaN);

/** Ends a measurement started at `mark`: prints where the CPU went, per event, and accounts it. */
const endMeasurement = (side: Side, mark: CpuMark, events: number, totals?: CpuTotals): void => {
  const cpu = cpuSince(side.server, mark);
  if (cpu.reloaded) reloads[side.name]++;
  noise.otherSeconds += cpu.otherSeconds;
  noise.wallSeconds += cpu.wallSeconds;
  if (totals && !cpu.reloaded) {
    totals.worker += cpu.workerSeconds;
    totals.proxy += cpu.proxySeconds;
    totals.client += cpu.clientSeconds;
    totals.events += events;
  }
  const busy = `; workerd-worker busy ${fmt(cpu.workerSeconds / Math.max(cpu.wallSeconds, 1e-9), 2)} cores`;
  const per =
    events > 0
      ? `; per event: worker ${fmt(perEventMs(cpu.workerSeconds, events), 3)} ms, proxy ${fmt(perEventMs(cpu.proxySeconds, events), 3)} ms, client ${fmt(perEventMs(cpu.clientSeconds, events), 3)} ms CPU`
      : "";
  console.log(`    ${cpu.text}${busy}${per}`);
};

/** The median (the mean of the middle two for an even count); NaN when empty. */
const median = (samples: readonly number[]): number => {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? Number.NaN : sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const alternating = <T>(pair: readonly [T, T], round: number): readonly [T, T] => (round % 2 === 0 ? pair : [pair[1], pair[0]]);

const printErrors = (label: string, r: LoadResult): void => {
  if (r.errors === 0) return;
  console.log(`    ${label}: ${r.errors} errors; first ${r.firstErrors.length}:`);
  for (const error of r.firstErrors) console.log(`      ${error}`);
};

// --- 1, 2: publish throughput ---------------------------------------------------------------

type PublishFigures = {
  eventsPerSecond: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  workerCpuMs: number;
  proxyCpuMs: number;
  clientCpuMs: number;
  /** Median over the adjacent round pairs (A B, B A, ...) of platform / bare events/s: robust to noise that comes and goes. */
  pairedRatio: number;
  check: StreamCheck;
};

type PublishVariant = { key: string; title: string; streams: string[]; batch: number };

const publishBench = async (sides: readonly [Side, Side], runId: string, variant: PublishVariant): Promise<Record<SideName, PublishFigures>> => {
  const { concurrency, rounds, roundMs, roundMaxCount, warmupMs } = CONFIG.publish;
  console.log(
    `\n## Publish: ${variant.title}: concurrency ${concurrency}, ${variant.batch === 1 ? "single events" : `batches of ${variant.batch}`} per request, ` +
      `${rounds} rounds of ${roundMs / 1000}s per side, alternating`,
  );
  const load = (side: Side, maxMs: number) =>
    closedLoop({
      concurrency,
      maxCount: roundMaxCount,
      maxMs,
      op: (i) => publishOp(side, runId, variant.streams[i % variant.streams.length] as string, variant.batch),
    });
  for (const side of sides) {
    const warmup = await load(side, warmupMs);
    console.log(`  ${side.name} warm-up (not counted): ${summary(warmup, variant.batch)}`);
    printErrors("warm-up", warmup);
  }
  const results: Record<SideName, LoadResult[]> = { platform: [], bare: [] };
  const cpu: Record<SideName, CpuTotals> = { platform: cpuTotals(), bare: cpuTotals() };
  const pairRatios: number[] = [];
  let pair: Partial<Record<SideName, number>> = {};
  for (let round = 0; round < rounds * 2; round++) {
    const side = alternating(sides, Math.floor(round / 2))[round % 2] as Side;
    const mark = cpuMark(side.server);
    const result = await load(side, roundMs);
    results[side.name].push(result);
    pair[side.name] = result.ok / result.elapsedMs;
    if (round % 2 === 1) {
      pairRatios.push(ratio(pair.platform ?? Number.NaN, pair.bare ?? Number.NaN));
      pair = {};
    }
    console.log(`  round ${round + 1} ${side.name.padEnd(8)} ${summary(result, variant.batch)}`);
    endMeasurement(side, mark, result.ok * variant.batch, cpu[side.name]);
    printErrors("errors", result);
  }
  const figures = {} as Record<SideName, PublishFigures>;
  for (const side of sides) {
    const merged = mergeResults(results[side.name]);
    const check = await checkStreams(side, variant.streams);
    figures[side.name] = {
      eventsPerSecond: ((merged.ok * variant.batch) / merged.elapsedMs) * 1000,
      requestsPerSecond: (merged.ok / merged.elapsedMs) * 1000,
      p50: percentile(merged.latencies, 50),
      p99: percentile(merged.latencies, 99),
      errors: merged.errors,
      workerCpuMs: perEventMs(cpu[side.name].worker, cpu[side.name].events),
      proxyCpuMs: perEventMs(cpu[side.name].proxy, cpu[side.name].events),
      clientCpuMs: perEventMs(cpu[side.name].client, cpu[side.name].events),
      pairedRatio: median(pairRatios),
      check,
    };
    console.log(`  ${side.name.padEnd(8)} all rounds: ${summary(merged, variant.batch)}`);
    console.log(`  ${side.name.padEnd(8)} check (warm-up included): ${checkText(check)}`);
  }
  console.log(`  platform / bare per adjacent round pair: ${pairRatios.map((r) => `${fmt(r, 2)}x`).join(", ")}; median ${fmt(median(pairRatios), 2)}x`);
  return figures;
};

const summary = (r: LoadResult, batch: number): string =>
  `${fmtInt(r.ok)} requests ok (${fmtInt(r.ok * batch)} events), ${r.errors} errors in ${fmt(r.elapsedMs / 1000, 2)}s = ` +
  `${fmtInt(((r.ok * batch) / r.elapsedMs) * 1000)} events/s; request p50 ${fmt(percentile(r.latencies, 50))} ms, p99 ${fmt(percentile(r.latencies, 99))} ms, ` +
  `max ${fmt(percentile(r.latencies, 100))} ms`;

// --- 3: end-to-end latency (platform only) --------------------------------------------------

type LatencyFigures = {
  agent: { p50: number; p99: number; max: number; observed: number; missed: number };
  webhook: { p50: number; p99: number; max: number; observed: number; missed: number };
  publishP50: number;
  pollP50: number;
  /** Agent: p50 of the lower bound (start of the last poll that did not see the event). */
  agentLowerP50: number;
  agentBeforeAck: number;
  hookBeforeAck: number;
  pollsPerEvent: number;
  errors: string[];
  verified: string[];
  clean: boolean;
  workerCpuMsPerTick: number;
};

const latencyBench = async (platform: Side, runId: string): Promise<LatencyFigures> => {
  const { events, warmupEvents, intervalMs, eventTimeoutMs, maxPolls, maxMs } = CONFIG.latency;
  const agentId = `lat-${runId}`;
  const agentStream = `lat-agent-${runId}`;
  const hookStream = `lat-hook-${runId}`;
  console.log(
    `\n## End-to-end latency, publish -> delivery (platform only: the bare side has no delivery): ${events} events per target after ${warmupEvents} warm-up ` +
      `events, one at a time, alternating agent / webhook, one every ${intervalMs} ms (${fmt(1000 / intervalMs / 2, 0)}/s per target)`,
  );
  console.log(
    `  agent target: subscription -> counter '${agentId}'.increment with input "data" ({"by": 1}); delivery observed by polling GET /v1/agents/${agentId} ` +
      "from the moment the publish is sent, one poll in flight at a time, until state.value counts the event; the figure ends when that poll's response arrived.",
  );
  console.log("  webhook target: subscription -> a receiver on 127.0.0.1 in this process; the figure ends when the delivery's request body arrived (no polling).");
  const receiver: WebhookReceiver = await startWebhookReceiver();
  const errors: string[] = [];
  const verified: string[] = [];
  let clean = true;
  try {
    const client = platform.client;
    const spawned = await client.post("/v1/agents", { type: "counter", id: agentId });
    if (spawned.status !== 201) throw new Error(`latency: spawn counter: ${describe(spawned)}`);
    const delivery = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };
    const subscriptions = [
      { id: `lat-agent-${runId}`, patterns: ["bench.#"], stream: agentStream, start: "latest", target: { kind: "agent", agent: agentId, action: "increment", input: "data" }, delivery },
      { id: `lat-hook-${runId}`, patterns: ["bench.#"], stream: hookStream, start: "latest", target: { kind: "webhook", url: receiver.url }, delivery },
    ];
    for (const subscription of subscriptions) {
      const created = await client.post("/v1/subscriptions", subscription);
      if (created.status !== 201) throw new Error(`latency: create subscription ${subscription.id}: ${describe(created)}`);
    }

    const valueOf = (reply: Reply): number | undefined => {
      const value = (parse(reply.body) as { state?: { value?: unknown } } | undefined)?.state?.value;
      return reply.status === 200 && typeof value === "number" ? value : undefined;
    };
    const agentLatencies: number[] = [];
    const hookLatencies: number[] = [];
    const publishMs: number[] = [];
    const pollMs: number[] = [];
    let agentPublished = 0;
    let hookPublished = 0;
    let agentMissed = 0;
    let hookMissed = 0;
    let polls = 0;
    let agentMeasured = 0;
    const agentLower: number[] = [];
    let agentBeforeAck = 0;
    let hookBeforeAck = 0;
    const total = (warmupEvents + events) * 2;
    const started = performance.now();
    const mark = cpuMark(platform.server);
    let next = started;
    let k = 0;
    for (; k < total && performance.now() - started < maxMs; k++) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      next = Math.max(next + intervalMs, performance.now());
      const counted = k >= warmupEvents * 2;
      const toAgent = k % 2 === 0;
      const [event] = newEvents(platform, runId, 1) as [BenchEvent];
      if (toAgent) {
        // Polls run from the moment the publish is sent, one at a time, alongside it: the
        // delivery happened after the start of the last poll that did not see it (lower
        // bound) and before the end of the first poll that did (upper bound, the figure).
        const t0 = performance.now();
        const expected = agentPublished + 1;
        let ack: Reply | undefined;
        const publishing = platform.publish(agentStream, [event]).then((reply) => (ack = reply));
        let seenAt: number | null = null;
        let lastMissStart = t0;
        for (let n = 0; n < maxPolls && performance.now() - t0 < eventTimeoutMs; n++) {
          if (ack !== undefined && ack.status !== 201) break;
          const pollStart = performance.now();
          const poll = await client.get(`/v1/agents/${agentId}`);
          if (counted) {
            polls++;
            pollMs.push(poll.ms);
          }
          const value = valueOf(poll);
          if (value === undefined) {
            errors.push(`agent poll: ${describe(poll)}`);
            await sleep(10);
          } else if (value >= expected) {
            seenAt = performance.now();
            break;
          } else lastMissStart = pollStart;
        }
        const published = (ack ?? (await publishing)) as Reply;
        if (published.status !== 201) {
          errors.push(`agent publish: ${describe(published)}`);
          continue;
        }
        agentPublished++;
        if (!counted) continue;
        publishMs.push(published.ms);
        agentMeasured++;
        if (seenAt === null) agentMissed++;
        else {
          agentLatencies.push(seenAt - t0);
          agentLower.push(lastMissStart - t0);
          if (seenAt - t0 < published.ms) agentBeforeAck++;
        }
      } else {
        const t0 = performance.now();
        const arrival = receiver.waitFor(event.id, eventTimeoutMs);
        const published = await platform.publish(hookStream, [event]);
        if (published.status !== 201) {
          errors.push(`webhook publish: ${describe(published)}`);
          continue;
        }
        hookPublished++;
        if (counted) publishMs.push(published.ms);
        const at = await arrival;
        if (!counted) continue;
        if (at === null) hookMissed++;
        else {
          hookLatencies.push(at - t0);
          if (at - t0 < published.ms) hookBeforeAck++;
        }
      }
    }
    const elapsed = performance.now() - started;
    console.log(`  ${k} events published in ${fmt(elapsed / 1000, 1)}s (${fmt((k / elapsed) * 1000, 1)}/s)`);
    const cpu = cpuSince(platform.server, mark);
    if (cpu.reloaded) reloads.platform++;
    noise.otherSeconds += cpu.otherSeconds;
    noise.wallSeconds += cpu.wallSeconds;
    console.log(`    ${cpu.text}; per event (publish + delivery + the agent polls): worker ${fmt(perEventMs(cpu.workerSeconds, k), 2)} ms CPU`);

    // Everything published must be delivered exactly once: the counter's value, the
    // subscriptions' cursors, and the webhook's distinct ids.
    const deadline = performance.now() + 30_000;
    let value: number | undefined;
    while (performance.now() < deadline) {
      value = valueOf(await client.get(`/v1/agents/${agentId}`));
      const hookIds = new Set(receiver.arrivals.map((a) => a.id)).size;
      if (value === agentPublished && hookIds >= hookPublished) break;
      await sleep(100);
    }
    const hookIds = new Set(receiver.arrivals.map((a) => a.id)).size;
    verified.push(`counter value ${String(value)} for ${agentPublished} events published to its stream`);
    verified.push(`webhook: ${receiver.arrivals.length} deliveries of ${hookIds} distinct events for ${hookPublished} published; malformed ${receiver.malformed}`);
    if (value !== agentPublished || hookIds !== hookPublished || receiver.arrivals.length !== hookPublished || receiver.malformed > 0) clean = false;
    const order = receiver.arrivals.map((a) => a.sequence);
    if (order.some((sequence, i) => i > 0 && sequence <= (order[i - 1] as number))) {
      clean = false;
      verified.push("webhook deliveries arrived out of sequence order");
    }
    for (const subscription of subscriptions) {
      const status = await client.get(`/v1/subscriptions/${subscription.id}`);
      const streams = (parse(status.body) as { streams?: { delivered?: number; lag?: number; deadLetters?: number; attempts?: number; lastError?: unknown }[] } | undefined)?.streams;
      const s = streams?.[0];
      const expected = subscription.stream === agentStream ? agentPublished : hookPublished;
      verified.push(
        `subscription ${subscription.id}: ` +
          (s ? `delivered ${s.delivered}, lag ${s.lag}, dead letters ${s.deadLetters}, attempts ${s.attempts}, last error ${JSON.stringify(s.lastError)}` : describe(status)),
      );
      if (!s || s.delivered !== expected || s.lag !== 0 || s.deadLetters !== 0 || s.lastError !== null) clean = false;
    }
    for (const line of verified) console.log(`  check: ${line}`);
    if (errors.length > 0) {
      clean = false;
      console.log(`  ${errors.length} errors; first: ${errors.slice(0, 5).join(" | ")}`);
    }
    const stats = (samples: number[], missed: number) => ({
      p50: percentile(samples, 50),
      p99: percentile(samples, 99),
      max: percentile(samples, 100),
      observed: samples.length,
      missed,
    });
    const figures: LatencyFigures = {
      agent: stats(agentLatencies, agentMissed),
      webhook: stats(hookLatencies, hookMissed),
      publishP50: percentile(publishMs, 50),
      pollP50: percentile(pollMs, 50),
      agentLowerP50: percentile(agentLower, 50),
      agentBeforeAck,
      hookBeforeAck,
      pollsPerEvent: agentMeasured > 0 ? polls / agentMeasured : Number.NaN,
      errors,
      verified,
      clean,
      workerCpuMsPerTick: perEventMs(cpu.workerSeconds, k),
    };
    const line = (name: string, f: LatencyFigures["agent"]) =>
      `  ${name}: ${f.observed} observed, ${f.missed} not within ${eventTimeoutMs / 1000}s; p50 ${fmt(f.p50)} ms, p99 ${fmt(f.p99)} ms, max ${fmt(f.max)} ms`;
    console.log(line("agent  ", figures.agent));
    console.log(line("webhook", figures.webhook));
    console.log(
      `  publish request p50 ${fmt(figures.publishP50)} ms; agent poll p50 ${fmt(figures.pollP50)} ms, ${fmt(figures.pollsPerEvent, 2)} polls per event; ` +
        `agent lower bound p50 ${fmt(figures.agentLowerP50)} ms (the delivery happened between the lower bound and the figure)`,
    );
    console.log(
      `  seen before the publisher had its acknowledgement: agent ${figures.agentBeforeAck}/${figures.agent.observed}, webhook ${figures.hookBeforeAck}/${figures.webhook.observed}`,
    );
    return figures;
  } finally {
    await receiver.close();
  }
};

// --- 4: replay ------------------------------------------------------------------------------

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

type ReplayFigures = {
  fill: { eventsPerSecond: number; seconds: number; errors: number; workerCpuMs: number; check: StreamCheck };
  ndjson: { seconds: number; eventsPerSecond: number; workerCpuMsPer1000: number; ok: boolean; problems: string[] };
  pages: { seconds: number; eventsPerSecond: number; workerCpuMsPer1000: number; ok: boolean; problems: string[] };
};

const replayBench = async (sides: readonly [Side, Side], runId: string): Promise<Record<SideName, ReplayFigures>> => {
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
      fill: { eventsPerSecond: ((fill.ok * batch) / fill.elapsedMs) * 1000, seconds: fill.elapsedMs / 1000, errors: fill.errors, workerCpuMs: perEventMs(cpu.worker, cpu.events), check },
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
      f.workerCpuMsPer1000 = perEventMs(cpu[side.name][method].worker, cpu[side.name][method].events) * 1000;
    }
  }
  return figures;
};

// --- the bench ------------------------------------------------------------------------------

export type EventBenchResult = {
  publish: Record<string, Record<SideName, PublishFigures>>;
  latency: LatencyFigures;
  replay: Record<SideName, ReplayFigures>;
};

export const runEventBench = async (): Promise<EventBenchResult> => {
  installSignalCleanup();
  const runId = Date.now().toString(36);
  const stateDir = mkdtempSync("/dev/shm/jido-bench-events-");
  const logDir = mkdtempSync("/tmp/jido-bench-events-logs-");
  const removeState = () => {
    if (process.env.BENCH_KEEP_STATE === "1") console.log(`state kept in ${stateDir}`);
    else rmSync(stateDir, { recursive: true, force: true });
  };
  const forgetCleanup = onSignalCleanup(removeState);
  console.log(`# Event benchmark${QUICK ? " (BENCH_QUICK=1)" : ""}`);
  console.log(`state: ${stateDir} (tmpfs); server logs: ${logDir}; ${CORES} cores`);
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
    const logs = sides.map((side) => [side.name, scanLog(side.server)] as const);
    console.log("\n## Server logs (stdout + stderr of wrangler dev, --log-level warn)");
    for (const [name, scan] of logs) {
      console.log(`  ${name}: ${scan.nomem} SQLITE_NOMEM lines, ${scan.errorLines} error-like lines, ${scan.warnLines} warn lines`);
      for (const line of scan.samples) console.log(`    ${line}`);
    }

    const x = (platform: number, bare: number) => `${fmt(ratio(platform, bare), 2)}x`;
    const xp = (f: Record<SideName, PublishFigures>) => `${x(f.platform.eventsPerSecond, f.bare.eventsPerSecond)} (paired median ${fmt(f.platform.pairedRatio, 2)}x)`;
    const verdict = (met: boolean) => (met ? "met" : "**missed**");
    const one = publish.one as Record<SideName, PublishFigures>;
    const batched = publish.batch as Record<SideName, PublishFigures>;
    const many = publish.many as Record<SideName, PublishFigures>;
    const ceiling = (f: PublishFigures) => (CORES * 1000) / (f.workerCpuMs + f.proxyCpuMs + f.clientCpuMs);
    const scaling = (side: SideName) => ratio(many[side].eventsPerSecond, one[side].eventsPerSecond);
    const c = CONFIG.publish.concurrency;
    const p = replay.platform;
    const b = replay.bare;
    const n = fmtInt(CONFIG.replay.events);
    const checks = (side: SideName) => {
      const all = [one[side].check, batched[side].check, many[side].check, replay[side].fill.check];
      const sum = (key: "lost" | "extra" | "duplicates" | "reused") => all.reduce((total, check) => total + check[key], 0);
      return `${sum("lost")} / ${sum("extra")} / ${sum("duplicates")} / ${sum("reused")}${all.some((check) => check.problems.length > 0) ? " (length mismatch)" : ""}`;
    };
    const allClean = (side: SideName) => [one[side].check, batched[side].check, many[side].check, replay[side].fill.check].every(checkClean);
    const rows: string[][] = [
      [`publish, 1 stream, single events (events/s, c=${c})`, fmtInt(one.platform.eventsPerSecond), fmtInt(one.bare.eventsPerSecond), xp(one),
        `>= 0.8x bare: ${verdict(ratio(one.platform.eventsPerSecond, one.bare.eventsPerSecond) >= 0.8)}`],
      ["publish, 1 stream, single: request p50 / p99 (ms)", `${fmt(one.platform.p50)} / ${fmt(one.platform.p99)}`, `${fmt(one.bare.p50)} / ${fmt(one.bare.p99)}`, x(one.platform.p99, one.bare.p99) + " (p99)", ""],
      [`publish, 1 stream, batches of ${batch} (events/s, c=${c})`, fmtInt(batched.platform.eventsPerSecond), fmtInt(batched.bare.eventsPerSecond), xp(batched), "(reported separately)"],
      [`publish, ${streamCount} streams, single events (events/s, c=${c})`, fmtInt(many.platform.eventsPerSecond), fmtInt(many.bare.eventsPerSecond), xp(many), ""],
      [`scaling: ${streamCount} streams / 1 stream (${CORES} cores)`, `${fmt(scaling("platform"), 2)}x`, `${fmt(scaling("bare"), 2)}x`, "",
        `scales like bare (>= 0.8x of bare's scaling): ${verdict(scaling("platform") >= 0.8 * scaling("bare"))}`],
      [`publish single: CPU ceiling of this machine = ${CORES} cores / (worker + proxy + client CPU per event) (events/s)`,
        fmtInt(ceiling(one.platform)), fmtInt(ceiling(one.bare)), `${x(ceiling(one.platform), ceiling(one.bare))} (noise-robust estimate of the rate ratio)`,
        "1-stream rate near this: machine-bound, more streams cannot add"],
      ["publish single, 1 stream: Worker CPU per event (ms)", fmt(one.platform.workerCpuMs, 3), fmt(one.bare.workerCpuMs, 3), x(one.platform.workerCpuMs, one.bare.workerCpuMs), ""],
      ["publish single, 1 stream: dev-proxy CPU per event (ms; not in production)", fmt(one.platform.proxyCpuMs, 3), fmt(one.bare.proxyCpuMs, 3), x(one.platform.proxyCpuMs, one.bare.proxyCpuMs), ""],
      [`publish batches of ${batch}: Worker CPU per event (ms)`, fmt(batched.platform.workerCpuMs, 3), fmt(batched.bare.workerCpuMs, 3), x(batched.platform.workerCpuMs, batched.bare.workerCpuMs), ""],
      [`publish ${streamCount} streams: Worker CPU per event (ms)`, fmt(many.platform.workerCpuMs, 3), fmt(many.bare.workerCpuMs, 3), x(many.platform.workerCpuMs, many.bare.workerCpuMs), ""],
      ["publish client errors (1 stream / batches / 16 streams)", `${one.platform.errors} / ${batched.platform.errors} / ${many.platform.errors}`, `${one.bare.errors} / ${batched.bare.errors} / ${many.bare.errors}`, "", "0"],
      ["events lost / stored unacknowledged / answered duplicate / sequence reused", checks("platform"), checks("bare"), "", `0 / 0 / 0 / 0: ${verdict(allClean("platform"))}`],
      ["e2e latency, agent target: p50 / p99 (ms)", `${fmt(latency.agent.p50)} / ${fmt(latency.agent.p99)}`, "n/a (no delivery)", "", `${latency.agent.missed} not delivered within ${CONFIG.latency.eventTimeoutMs / 1000}s`],
      ["e2e latency, webhook target: p50 / p99 (ms)", `${fmt(latency.webhook.p50)} / ${fmt(latency.webhook.p99)}`, "n/a (no delivery)", "", `${latency.webhook.missed} not delivered within ${CONFIG.latency.eventTimeoutMs / 1000}s`],
      ["e2e, agent: lower bound p50 (ms; delivery happened between this and the figure)", fmt(latency.agentLowerP50), "", "", ""],
      ["e2e: publish request p50 / agent poll p50 (ms)", `${fmt(latency.publishP50)} / ${fmt(latency.pollP50)}`, "", "", ""],
      ["e2e: delivered before the publisher had its ack (agent / webhook)", `${latency.agentBeforeAck}/${latency.agent.observed} / ${latency.hookBeforeAck}/${latency.webhook.observed}`, "", "", ""],
      ["e2e: every event delivered exactly once (counter, cursors, webhook ids)", latency.clean ? "yes" : "**no**", "", "", verdict(latency.clean)],
      [`fill: ${n} events in batches of ${CONFIG.replay.batch} (events/s)`, fmtInt(p.fill.eventsPerSecond), fmtInt(b.fill.eventsPerSecond), x(p.fill.eventsPerSecond, b.fill.eventsPerSecond), ""],
      [`replay ${n} as NDJSON (s)`, fmt(p.ndjson.seconds, 2), fmt(b.ndjson.seconds, 2), x(p.ndjson.seconds, b.ndjson.seconds), `< 10 s: ${verdict(p.ndjson.ok && p.ndjson.seconds < 10)}`],
      [`replay ${n} as JSON pages of ${CONFIG.replay.page} (s)`, fmt(p.pages.seconds, 2), fmt(b.pages.seconds, 2), x(p.pages.seconds, b.pages.seconds), `< 10 s: ${verdict(p.pages.ok && p.pages.seconds < 10)}`],
      ["replay rate NDJSON / pages (events/s)", `${fmtInt(p.ndjson.eventsPerSecond)} / ${fmtInt(p.pages.eventsPerSecond)}`, `${fmtInt(b.ndjson.eventsPerSecond)} / ${fmtInt(b.pages.eventsPerSecond)}`, "", ""],
      ["replay: Worker CPU per 1000 events, NDJSON / pages (ms)", `${fmt(p.ndjson.workerCpuMsPer1000, 1)} / ${fmt(p.pages.workerCpuMsPer1000, 1)}`, `${fmt(b.ndjson.workerCpuMsPer1000, 1)} / ${fmt(b.pages.workerCpuMsPer1000, 1)}`, "", ""],
      ["replay: complete and in order every time", p.ndjson.ok && p.pages.ok ? "yes" : `**no**: ${[...p.ndjson.problems, ...p.pages.problems].slice(0, 2).join("; ")}`, b.ndjson.ok && b.pages.ok ? "yes" : "**no**", "", ""],
      ["client GETs resent after a reused keep-alive socket failed (not errors)", String(sides[0].client.retries ?? 0), String(sides[1].client.retries ?? 0), "", ""],
      ["other processes' CPU during measurements (cores busy, avg)", fmt(noise.otherSeconds / Math.max(noise.wallSeconds, 1e-9), 2), "", "", "~0 (else figures are noisy)"],
      ["measurements disturbed by a wrangler reload", String(reloads.platform), String(reloads.bare), "", "0 (else rerun)"],
      ["server log error-like lines", String(logs.find(([s]) => s === "platform")?.[1].errorLines ?? "n/a"), String(logs.find(([s]) => s === "bare")?.[1].errorLines ?? "n/a"), "", "0"],
    ];
    const bareErrors = errorText(sides[1].errors);
    const platformErrors = errorText(sides[0].errors);
    rows.splice(10, 0, ["client-visible failures by kind (all phases)", platformErrors, bareErrors, "", "0"]);

    console.log(`\n## Event benchmark summary${QUICK ? " (BENCH_QUICK=1: reduced counts)" : ""}\n`);
    console.log(markdownTable(["metric", "platform", "bare", "ratio", "target"], rows));
    console.log(
      "\nratio = platform / bare. Throughput: events acknowledged per second of wall time, over all measured rounds. Latency: platform only (the bare\n" +
        "side stores events and delivers nothing). Targets are judged on the platform's figures; the exit code does not depend on them.",
    );
    return { publish, latency, replay };
  } finally {
    for (const side of sidesList) side.client.close();
    await stopAllServers();
    forgetCleanup();
    removeState();
  }
};
