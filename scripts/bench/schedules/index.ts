// Schedules benchmark, on one `wrangler dev` platform server: 10,000 one-shot schedules
// due in the same second over 1,000 counter agents (10 each), twice:
// 1. no crash: the firing delay (the object's `ranAt - dueAt` of each firing) p50/p99/max
//    and the exactly-once check;
// 2. crash: the same burst on new agents, the server SIGKILLed (its whole process group)
//    at the first round's delay p25 after the due time (each firing's ranAt shows whether
//    it landed after some and before all; if not, it is tried again), restarted on the
//    same persisted state, then waited for until every schedule fired or a deadline passed.
// The evidence of each firing is the action's own effect, not the schedule's bookkeeping:
// schedule `s<k>` runs `increment` by 10^k, so decimal digit k of the agent's counter is
// how many times that schedule's action ran (0 = lost, 2+ = duplicated). The schedules'
// `firings` figures are printed beside it. The schedules are made with `delayMs` towards
// one common due second, far enough ahead for all of them to be made first (it says so
// if making them overran it).
// A benchmark, not a test: it prints figures and judges nothing by exit code.
//
// BENCH_QUICK=1: 100 agents, 1,000 schedules. JIDO_JWT_SECRET, BENCH_PLATFORM_CONFIG: as in agents/index.ts.
import { join } from "node:path";
import { signToken } from "../../../src/platform/security/tokens.ts";
import { PLATFORM_CONFIG, QUICK } from "../lib/env.ts";
import { type Client, createClient, describe } from "../lib/http.ts";
import { platformHeaders, platformServerVars } from "../lib/platform-auth.ts";
import { type BenchServer, startBenchServer } from "../lib/servers.ts";
import { runSession } from "../lib/session.ts";
import { fmt, fmtInt, percentile, sleep } from "../lib/stats.ts";

const CONFIG = {
  agents: QUICK ? 100 : 1_000,
  /** At most 10: schedule k adds 10^k, one decimal digit each (a safe integer up to 1,111,111,111). */
  perAgent: 10,
  concurrency: 32,
  /** The common due time, this long after the benchmark starts making schedules. */
  leadMs: QUICK ? 20_000 : 90_000,
  /** How long after the due time to wait for every firing (the crash round: after the restart). */
  waitMs: QUICK ? 60_000 : 300_000,
};

/** Crash rounds tried at most, when a kill lands before the first firing or after the last. */
const CRASH_ATTEMPTS = 3;

type ScheduleView = { id: string; firings: number; last: { dueAt: string; ranAt: string; ok: boolean } | null };

/** Sends until an answer other than 429/503 (the platform's overload answers), up to 20 attempts. */
const send = async (client: Client, method: "post" | "get", path: string, body?: unknown) => {
  for (let attempt = 1; ; attempt++) {
    const reply = method === "post" ? await client.post(path, body) : await client.get(path);
    if ((reply.status !== 429 && reply.status !== 503) || attempt >= 20) return reply;
    await sleep(200);
  }
};

const pool = async <T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> => {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
};

/** Runs per schedule k of an agent whose counter reads `value` (digit k); null when unreadable. */
const runsPerSchedule = (value: number): number[] | null =>
  value < 0 ? null : Array.from({ length: CONFIG.perAgent }, (_, k) => Math.floor(value / 10 ** k) % 10);

type Burst = { ids: string[]; dueAt: number; total: number };

/** Spawns the round's agents and makes their schedules, all due at one second. */
const armBurst = async (c: Client, round: string, fail: (what: string) => void): Promise<Burst> => {
  const tag = `${round}-${Date.now().toString(36)}`;
  const ids = Array.from({ length: CONFIG.agents }, (_, i) => `sched-${tag}-${i}`);
  const started = Date.now();
  const dueAt = Math.ceil((started + CONFIG.leadMs) / 1000) * 1000;
  await pool(ids, CONFIG.concurrency, async (id) => {
    const reply = await send(c, "post", "/v1/agents", { type: "counter", id });
    if (reply.status !== 201 && reply.status !== 200) fail(`spawn ${id}: ${describe(reply)}`);
  });
  const spawned = Date.now();
  let late = 0;
  const work = ids.flatMap((id) => Array.from({ length: CONFIG.perAgent }, (_, k) => ({ id, k })));
  await pool(work, CONFIG.concurrency, async ({ id, k }) => {
    const delayMs = dueAt - Date.now();
    if (delayMs < 0) late++;
    const reply = await send(c, "post", `/v1/agents/${id}/schedules`, { id: `s${k}`, delayMs: Math.max(0, delayMs), action: "increment", input: { by: 10 ** k } });
    if (reply.status !== 201) fail(`schedule ${id}/s${k}: ${describe(reply)}`);
  });
  const made = Date.now();
  console.log(`  spawned ${fmtInt(ids.length)} agents in ${fmt((spawned - started) / 1000)} s; made ${fmtInt(work.length)} schedules in ${fmt((made - spawned) / 1000)} s (${fmtInt(work.length / ((made - spawned) / 1000))}/s); due ${new Date(dueAt).toISOString()}${late ? `; ${late} made after the due time` : ""}`);
  return { ids, dueAt, total: work.length };
};

type Tally = { once: number; lost: number; duplicated: number; unread: number; bookOnce: number; bookTwice: number; bookNever: number; failed: number; delays: number[]; ranAt: number[] };

/** Reads every agent's schedules until all have fired (or `deadline`), then every counter. */
const collect = async (c: Client, burst: Burst, deadline: number): Promise<Tally> => {
  const views = new Map<string, ScheduleView[]>();
  let pending = [...burst.ids];
  while (pending.length > 0 && Date.now() < deadline) {
    await sleep(2_000);
    const still: string[] = [];
    await pool(pending, CONFIG.concurrency, async (id) => {
      const reply = await send(c, "get", `/v1/agents/${id}/schedules?limit=100`);
      if (reply.status !== 200) return void still.push(id);
      const items = (JSON.parse(reply.body) as { items: ScheduleView[] }).items;
      views.set(id, items);
      if (items.some((s) => s.firings === 0)) still.push(id);
    });
    pending = still;
  }
  const tally: Tally = { once: 0, lost: 0, duplicated: 0, unread: 0, bookOnce: 0, bookTwice: 0, bookNever: 0, failed: 0, delays: [], ranAt: [] };
  for (const items of views.values()) {
    for (const s of items) {
      if (s.firings === 0) tally.bookNever++;
      else if (s.firings === 1) tally.bookOnce++;
      else tally.bookTwice++;
      if (s.last) {
        tally.delays.push(Date.parse(s.last.ranAt) - Date.parse(s.last.dueAt));
        tally.ranAt.push(Date.parse(s.last.ranAt));
        if (!s.last.ok) tally.failed++;
      }
    }
  }
  // The actions' own evidence: digit k of each counter is how often schedule s<k> ran.
  await pool(burst.ids, CONFIG.concurrency, async (id) => {
    const reply = await send(c, "get", `/v1/agents/${id}`);
    const runs = runsPerSchedule(reply.status === 200 ? (JSON.parse(reply.body) as { state: { value: number } }).state.value : -1);
    if (!runs) return void (tally.unread += CONFIG.perAgent);
    for (const n of runs) {
      if (n === 0) tally.lost++;
      else if (n === 1) tally.once++;
      else tally.duplicated++;
    }
  });
  return tally;
};

const report = (label: string, burst: Burst, t: Tally, errors: number): void => {
  console.log(
    `  ${label}: ran exactly once ${fmtInt(t.once)}, lost (never ran) ${fmtInt(t.lost)}, duplicated (ran 2+ times) ${fmtInt(t.duplicated)}${t.unread ? `, counters unreadable for ${fmtInt(t.unread)}` : ""} (of ${fmtInt(burst.total)}, from the counters)`,
  );
  console.log(`    schedules' own figures: firings 1: ${fmtInt(t.bookOnce)}, 2+: ${fmtInt(t.bookTwice)}, 0: ${fmtInt(t.bookNever)}; last outcome failed: ${fmtInt(t.failed)}; client errors ${errors}`);
  console.log(`    firing delay (ranAt - dueAt): p50 ${fmtInt(percentile(t.delays, 50))} ms, p99 ${fmtInt(percentile(t.delays, 99))} ms, max ${fmtInt(Math.max(...t.delays))} ms`);
};

export const runScheduleBench = async () => {
  let client: Client | undefined;
  return runSession({ state: "/dev/shm/jido-bench-schedules-", logs: "/tmp/jido-bench-schedules-logs-" }, () => client?.close(), async ({ stateDir, logDir }) => {
    console.log(`# Schedules benchmark${QUICK ? " (BENCH_QUICK=1)" : ""}: ${fmtInt(CONFIG.agents * CONFIG.perAgent)} schedules due in one second over ${fmtInt(CONFIG.agents)} agents, without and with a SIGKILL during the burst`);
    const server: BenchServer = await startBenchServer({ name: "platform", persistTo: stateDir, logFile: join(logDir, "platform.log"), vars: platformServerVars(), ...(PLATFORM_CONFIG ? { config: PLATFORM_CONFIG } : {}) });
    if (!server.secret) throw new Error("the platform server has no token secret to mint bench tokens with");
    const token = await signToken(server.secret, { subject: "bench", tenant: "bench", caps: ["admin"], ttlSeconds: 4 * 3600, rps: 1_000_000 });
    const connect = () => {
      client?.close();
      client = createClient({ name: "bench", host: server.host, port: server.port, headers: () => platformHeaders(token), maxSockets: CONFIG.concurrency * 2 });
      return client;
    };
    const errors: string[] = [];
    const fail = (what: string) => {
      if (errors.length < 5) console.log(`  error: ${what}`);
      errors.push(what);
    };

    // 1. No crash.
    console.log("no crash:");
    let c = connect();
    const calm = await armBurst(c, "calm", fail);
    await sleep(Math.max(0, calm.dueAt - Date.now()));
    const calmTally = await collect(c, calm, calm.dueAt + CONFIG.waitMs);
    report("no crash", calm, calmTally, errors.length);
    console.log(`    all fired ${fmt((Date.now() - calm.dueAt) / 1000)} s after the due time or earlier`);

    // 2. SIGKILL during the burst, at an offset after the due time: first the first round's
    // delay p25. Not on a read of the counters: every read waits behind the burst (one
    // workerd runs the Worker and all objects), so it answers late. Where the kill landed
    // shows afterwards in each firing's ranAt; a kill before the first firing or after the
    // last is tried again on new agents (later or earlier), at most CRASH_ATTEMPTS times.
    console.log("SIGKILL during the burst:");
    let offsetMs = percentile(calmTally.delays, 25);
    let hotTally: Tally | undefined;
    let before = 0;
    for (let attempt = 1; attempt <= CRASH_ATTEMPTS; attempt++) {
      const errorsBefore = errors.length;
      const hot = await armBurst(c, `crash${attempt}`, fail);
      await sleep(Math.max(0, hot.dueAt + offsetMs - Date.now()));
      const killedAt = Date.now();
      await server.kill();
      c.close();
      console.log(`  attempt ${attempt}: SIGKILL ${fmtInt(killedAt - hot.dueAt)} ms after the due time; restarting on the same state`);
      await server.start();
      const restartedAt = Date.now();
      console.log(`  up again after ${fmt((restartedAt - killedAt) / 1000)} s`);
      c = connect();
      hotTally = await collect(c, hot, restartedAt + CONFIG.waitMs);
      before = hotTally.ranAt.filter((t) => t < killedAt).length;
      report("SIGKILL", hot, hotTally, errors.length - errorsBefore);
      const landed = before > 0 && before < hotTally.ranAt.length;
      console.log(`    firings recorded before the kill: ${fmtInt(before)}, after it: ${fmtInt(hotTally.ranAt.length - before)}${landed ? "" : " (the kill did not land during the burst)"}; all fired ${fmt((Date.now() - restartedAt) / 1000)} s after the restart or earlier`);
      if (landed) break;
      offsetMs = before === 0 ? offsetMs * 2 + 200 : offsetMs / 2;
    }

    const row = (t: Tally) => ({ once: t.once, lost: t.lost, duplicated: t.duplicated, p50: percentile(t.delays, 50), p99: percentile(t.delays, 99) });
    return { calm: row(calmTally), crash: hotTally && { ...row(hotTally), firedBeforeKill: before }, errors: errors.length };
  });
};
