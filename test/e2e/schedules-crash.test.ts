// Timers survive the platform dying (issue 12): `wrangler dev` is killed with SIGKILL
// while 50 one-shot schedules over 10 agents are firing, two cron schedules (missed
// `once` and `skip`) are about to fire, three pool leases are held (never renewed) and a
// supervised agent waits for its restart's backoff. It stays down more than a minute, so
// every firing still due is missed. After a restart on the same state: every one-shot
// fired exactly once (counters and firings), each cron followed its missed policy with no
// slot fired twice, the expired leases' units are back, and the restart completed on the
// agent's own persisted alarm.
import { describe, expect, it } from "vitest";
import { useCrashServer } from "./crash-server.ts";
import { clientFor } from "./http.ts";
import { until } from "./until.ts";

const AGENTS = 10;
const ONE_SHOTS = 50;
/** Apart, so that the kill lands while most of them are still due. */
const ONE_SHOT_SPACING_MS = 150;
/** The cron windows' slots: one a second. */
const CRON_SLOTS = 5;
/** A firing reached later than this is missed (SCHEDULE_LIMITS.missedAfterMs), plus a margin. */
const MISSED_AFTER_MS = 60_000 + 1_000;
const DAY_MS = 24 * 60 * 60 * 1000;
const LEASES = [2, 1, 3];
const CAPACITY = 8;

type Schedule = { id: string; firings: number; skipped: number; active: boolean; nextAt: string | null; last: { dueAt: string; ranAt: string; ok: boolean } | null };
type Agent = { status: string; state: Record<string, unknown>; supervision: { restarts: number; nextRestartAt: string | null; lastRestartAt: string | null; escalated: boolean; lastReason: { type: string; detail: string } | null } };

/** The first whole second at or after `from` whose `slots` seconds stay in one minute, and a 6-field UTC pattern firing at exactly those seconds each day. */
const cronWindow = (from: number, slots: number): { first: number; pattern: string } => {
  let first = Math.ceil(from / 1000) * 1000;
  if (new Date(first).getUTCSeconds() + slots > 60) first = Math.ceil(first / 60_000) * 60_000;
  const at = new Date(first);
  const s = at.getUTCSeconds();
  return { first, pattern: `${s}-${s + slots - 1} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *` };
};

describe("schedules, leases and a restart across SIGKILL", () => {
  const server = useCrashServer("schedules-crash");

  it("fires every schedule once, returns expired leases and completes the restart", async () => {
    const request = await clientFor(server.current);
    const ok = async (method: string, path: string, body?: unknown, status = 200): Promise<unknown> => {
      const reply = await request(method, path, body);
      expect(reply.status, `${method} ${path}: ${JSON.stringify(reply.body)}`).toBe(status);
      return reply.body;
    };
    const agent = async (id: string) => (await ok("GET", `/v1/agents/${id}`)) as Agent;
    const schedules = async (id: string) => ((await ok("GET", `/v1/agents/${id}/schedules?limit=100`)) as { items: Schedule[] }).items;
    const value = async (id: string) => (await agent(id)).state.value as number;

    const ticks = Array.from({ length: AGENTS }, (_, i) => `tick-${i}`);
    for (const id of [...ticks, "cron-once", "cron-skip"]) await ok("POST", "/v1/agents", { type: "counter", id }, 201);

    // Leases held at the kill, never renewed: they expire while the platform is down.
    await ok("POST", "/v1/pools", { name: "gpu", capacity: CAPACITY }, 201);
    const leases: string[] = [];
    for (const units of LEASES) leases.push(((await ok("POST", "/v1/pools/gpu/acquire", { units, leaseMs: 20_000, timeoutMs: 0 })) as { id: string }).id);
    expect(await ok("GET", "/v1/pools/gpu")).toMatchObject({ inUse: 6, available: CAPACITY - 6 });

    // 50 one-shots, interleaved over the agents, half `at` and half `delayMs`.
    const base = Date.now() + 2_500;
    const planned = new Map<string, { agent: string; dueAt: number; at: boolean }>();
    await Promise.all(
      Array.from({ length: ONE_SHOTS }, async (_, n) => {
        const id = `once-${n}`;
        const dueAt = base + n * ONE_SHOT_SPACING_MS;
        const target = ticks[n % AGENTS]!;
        const at = n % 2 === 0;
        planned.set(id, { agent: target, dueAt, at });
        const when = at ? { at: new Date(dueAt).toISOString() } : { delayMs: Math.max(0, dueAt - Date.now()) };
        await ok("POST", `/v1/agents/${target}/schedules`, { id, ...when, action: "increment", input: { by: 1 } }, 201);
      }),
    );

    // Two crons whose slots (one a second) begin after the one-shots are under way.
    const window = cronWindow(base + 6_000, CRON_SLOTS);
    const slots = Array.from({ length: CRON_SLOTS }, (_, i) => window.first + i * 1000);
    for (const missed of ["once", "skip"] as const) {
      const made = (await ok("POST", `/v1/agents/cron-${missed}/schedules`, { id: "window", cron: window.pattern, missed, action: "increment", input: { by: 1 } }, 201)) as Schedule;
      expect(made.nextAt).toBe(new Date(window.first).toISOString());
    }

    // A supervised agent mid-restart: its table is missing at spawn, so its start fails and
    // a restart waits out the backoff; the table is published before that restart runs.
    const spawned = (await ok("POST", "/v1/agents", { type: "warmup_agent", id: "warm-1" }, 201)) as Agent;
    expect(spawned).toMatchObject({ status: "starting", supervision: { restarts: 0, lastReason: { type: expect.stringMatching(/warmup-missing$/) } } });
    const restartDue = Date.parse(spawned.supervision.nextRestartAt!);
    await ok("PUT", "/v1/cache/warmup/warm-1", { eu: "Frankfurt", us: "Ashburn" });

    // Kill once a third of the one-shots has fired, the rest still due.
    const fired = async () => (await Promise.all(ticks.map(value))).reduce((sum, n) => sum + n, 0);
    await until("a third of the one-shots to fire", async () => (await fired()) >= ONE_SHOTS / 3, 60_000, 50);
    const killedAt = Date.now();
    await server.kill();
    // The scenario this test is about: the restart was still pending at the kill.
    expect(killedAt).toBeLessThan(restartDue);

    // Down until every due firing is missed (reached more than a minute late), then restart.
    const downUntil = Math.max(slots.at(-1)!, base + ONE_SHOTS * ONE_SHOT_SPACING_MS) + MISSED_AFTER_MS;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, downUntil - Date.now())));
    const restartedAt = Date.now();
    await server.restart();

    // First, touching no agent: the restart runs on the agent's own alarm, persisted across
    // the kill, and its start is announced in the `warmup` stream.
    await until("warm-1's start announced", async () => {
      const events = (await ok("GET", "/v1/streams/warmup/events")) as { items: { type: string; source: string }[] };
      return events.items.some((event) => event.type === "warmup.ready" && event.source === "agent/warmup_agent/warm-1");
    });
    const warm = await agent("warm-1");
    expect(warm).toMatchObject({
      status: "running",
      state: { loads: 1 },
      supervision: { restarts: 1, escalated: false, nextRestartAt: null, lastReason: { type: expect.stringMatching(/warmup-missing$/) } },
    });
    expect(Date.parse(warm.supervision.lastRestartAt!)).toBeGreaterThan(restartedAt);
    expect(await ok("POST", "/v1/agents/warm-1/actions/lookup", { key: "eu" })).toEqual({ value: "Frankfurt" });

    // Every one-shot fired exactly once: once in its schedule's view, once in its counter.
    await until("every one-shot fired", async () => {
      const views = (await Promise.all(ticks.map(schedules))).flat();
      return views.length === ONE_SHOTS && views.every((s) => !s.active);
    });
    const views = (await Promise.all(ticks.map(schedules))).flat();
    for (const view of views) {
      const plan = planned.get(view.id)!;
      expect(view, view.id).toMatchObject({ firings: 1, skipped: 0, active: false, nextAt: null, last: { ok: true } });
      if (plan.at) expect(view.last!.dueAt, view.id).toBe(new Date(plan.dueAt).toISOString());
    }
    for (const id of ticks) expect(await value(id), id).toBe(ONE_SHOTS / AGENTS);
    // The kill came while they were due: some fired before it, the others after the restart.
    const ranAt = views.map((s) => Date.parse(s.last!.ranAt));
    expect(ranAt.filter((t) => t < killedAt).length).toBeGreaterThan(0);
    expect(ranAt.filter((t) => t > restartedAt).length).toBeGreaterThan(0);

    // The crons: the slots before the kill fired once each, in order; the first slot
    // reached after the restart was missed: one catch-up firing (`once`) or none (`skip`).
    // Either way the schedule moved to its next slot after now, tomorrow's first.
    const tomorrow = new Date(window.first + DAY_MS).toISOString();
    await until("both crons moved on", async () => {
      const both = await Promise.all(["cron-once", "cron-skip"].map(schedules));
      return both.every(([s]) => s?.nextAt === tomorrow);
    });
    const [once] = await schedules("cron-once");
    expect(once).toMatchObject({ skipped: 0, active: true, last: { ok: true } });
    expect(once!.firings).toBeGreaterThanOrEqual(1);
    expect(once!.last!.dueAt).toBe(new Date(slots[once!.firings - 1]!).toISOString());
    expect(Date.parse(once!.last!.ranAt)).toBeGreaterThan(restartedAt);
    expect(Date.parse(once!.last!.ranAt) - Date.parse(once!.last!.dueAt)).toBeGreaterThan(60_000);
    expect(await value("cron-once")).toBe(once!.firings);
    const [skip] = await schedules("cron-skip");
    expect(skip).toMatchObject({ skipped: 1, active: true });
    expect(skip!.firings).toBeLessThan(CRON_SLOTS);
    if (skip!.firings > 0) expect(skip!.last!.dueAt).toBe(new Date(slots[skip!.firings - 1]!).toISOString());
    expect(await value("cron-skip")).toBe(skip!.firings);

    // The leases expired while the platform was down: their units are back, and they are gone.
    expect(await ok("GET", "/v1/pools/gpu")).toMatchObject({ inUse: 0, available: CAPACITY, holders: [] });
    for (const id of leases) expect((await request("POST", `/v1/leases/${id}/renew`, {})).status, id).toBe(404);

    // Nothing fired twice meanwhile: the counters still match.
    for (const id of ticks) expect(await value(id), id).toBe(ONE_SHOTS / AGENTS);
    expect(await value("cron-once")).toBe(once!.firings);
  }, 300_000);
});
