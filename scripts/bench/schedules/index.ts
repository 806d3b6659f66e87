// Schedules benchmark, on one `wrangler dev` platform server: 10,000 one-shot schedules
// due in the same second over 1,000 counter agents (10 each, every one `increment` by 1).
// Figures: the firing delay (the object's `ranAt - dueAt` of each firing) p50/p99/max,
// and the exactly-once check: every schedule fired once (`firings === 1`) and every
// agent's counter equals its number of schedules (no firing ran twice, none was lost).
// The schedules are made with `delayMs` towards one common due second, far enough ahead
// for all of them to be made first (it says so if making them overran it).
// Not covered here: the SIGKILL-during-burst variant (see the README's Benchmarks).
// A benchmark, not a test: it prints figures and judges nothing by exit code.
//
// BENCH_QUICK=1: 100 agents, 1,000 schedules. JIDO_JWT_SECRET, BENCH_PLATFORM_CONFIG: as in agents/index.ts.
import { join } from "node:path";
import { signToken } from "../../../src/platform/security/tokens.ts";
import { PLATFORM_CONFIG, QUICK } from "../lib/env.ts";
import { type Client, createClient, describe } from "../lib/http.ts";
import { platformHeaders, platformServerVars } from "../lib/platform-auth.ts";
import { startBenchServer } from "../lib/servers.ts";
import { runSession } from "../lib/session.ts";
import { fmt, fmtInt, percentile, sleep } from "../lib/stats.ts";

const CONFIG = {
  agents: QUICK ? 100 : 1_000,
  perAgent: 10,
  concurrency: 32,
  /** The common due time, this long after the benchmark starts making schedules. */
  leadMs: QUICK ? 20_000 : 90_000,
  /** How long after the due time to wait for every firing. */
  waitMs: QUICK ? 60_000 : 300_000,
};

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

export const runScheduleBench = async () => {
  let client: Client | undefined;
  return runSession({ state: "/dev/shm/jido-bench-schedules-", logs: "/tmp/jido-bench-schedules-logs-" }, () => client?.close(), async ({ stateDir, logDir }) => {
    console.log(`# Schedules benchmark${QUICK ? " (BENCH_QUICK=1)" : ""}: ${fmtInt(CONFIG.agents * CONFIG.perAgent)} schedules due in one second over ${fmtInt(CONFIG.agents)} agents`);
    const server = await startBenchServer({ name: "platform", persistTo: stateDir, logFile: join(logDir, "platform.log"), vars: platformServerVars(), ...(PLATFORM_CONFIG ? { config: PLATFORM_CONFIG } : {}) });
    if (!server.secret) throw new Error("the platform server has no token secret to mint bench tokens with");
    const token = await signToken(server.secret, { subject: "bench", tenant: "bench", caps: ["admin"], ttlSeconds: 4 * 3600, rps: 1_000_000 });
    client = createClient({ name: "bench", host: server.host, port: server.port, headers: () => platformHeaders(token), maxSockets: CONFIG.concurrency * 2 });
    const c = client;
    const tag = Date.now().toString(36);
    const ids = Array.from({ length: CONFIG.agents }, (_, i) => `sched-${tag}-${i}`);
    const errors: string[] = [];
    const fail = (what: string) => {
      if (errors.length < 5) console.log(`  error: ${what}`);
      errors.push(what);
    };

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
      const reply = await send(c, "post", `/v1/agents/${id}/schedules`, { id: `s${k}`, delayMs: Math.max(0, delayMs), action: "increment", input: { by: 1 } });
      if (reply.status !== 201) fail(`schedule ${id}/s${k}: ${describe(reply)}`);
    });
    const made = Date.now();
    console.log(`spawned ${fmtInt(ids.length)} agents in ${fmt((spawned - started) / 1000)} s; made ${fmtInt(work.length)} schedules in ${fmt((made - spawned) / 1000)} s (${fmtInt(work.length / ((made - spawned) / 1000))}/s); due ${new Date(dueAt).toISOString()}${late ? `; ${late} made after the due time` : ""}`);

    // Wait for the due second, then read every agent's schedules until all have fired (or time is up).
    await sleep(Math.max(0, dueAt - Date.now()));
    const deadline = dueAt + CONFIG.waitMs;
    const views = new Map<string, ScheduleView[]>();
    let pending = [...ids];
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
    const delays: number[] = [];
    let once = 0;
    let twice = 0;
    let never = 0;
    let failed = 0;
    for (const items of views.values()) {
      for (const s of items) {
        if (s.firings === 0) never++;
        else if (s.firings === 1) once++;
        else twice++;
        if (s.last) {
          delays.push(Date.parse(s.last.ranAt) - Date.parse(s.last.dueAt));
          if (!s.last.ok) failed++;
        }
      }
    }
    // The counters: each agent's value must equal its schedule count (a firing run twice would show here).
    let counterMismatch = 0;
    await pool(ids, CONFIG.concurrency, async (id) => {
      const reply = await send(c, "get", `/v1/agents/${id}`);
      const value = reply.status === 200 ? (JSON.parse(reply.body) as { state: { value: number } }).state.value : -1;
      if (value !== CONFIG.perAgent) counterMismatch++;
    });
    console.log(
      `fired: ${fmtInt(once)} exactly once, ${fmtInt(twice)} more than once, ${fmtInt(never)} not at all (of ${fmtInt(work.length)}); ${fmtInt(failed)} failed; agents whose counter != ${CONFIG.perAgent}: ${fmtInt(counterMismatch)}`,
    );
    console.log(`firing delay (ranAt - dueAt): p50 ${fmtInt(percentile(delays, 50))} ms, p99 ${fmtInt(percentile(delays, 99))} ms, max ${fmtInt(Math.max(...delays))} ms; all fired ${fmt((Date.now() - dueAt) / 1000)} s after the due time or earlier; client errors ${errors.length}`);
    return { once, twice, never, failed, counterMismatch, p50: percentile(delays, 50), p99: percentile(delays, 99), errors: errors.length };
  });
};
