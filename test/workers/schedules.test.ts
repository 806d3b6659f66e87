// Schedules over HTTP and on the agent's alarm: create/list/cancel, at/delayMs/cron,
// exactly-once firing (also when a firing is retried after its action committed), the
// missed policies, the limits, field-naming 400s, and 403s that change nothing.
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Body, call, del, expectInvalid, expectProblem, get, newId, post, spawn, view } from "./http.ts";
import { agentStub, inObject } from "./objects.ts";
import { eventually } from "./eventually.ts";
import { client, expectForbidden } from "./security.ts";
import { TENANT } from "./tokens.ts";

const schedules = (id: string) => `/v1/agents/${id}/schedules`;
const list = async (id: string): Promise<Body[]> => {
  const reply = await get(`${schedules(id)}?limit=1000`);
  expect(reply.status, reply.text).toBe(200);
  return reply.body.items;
};
const one = async (id: string, sid: string): Promise<Body> => (await list(id)).find((s: Body) => s.id === sid);
/** Far enough ahead never to fire during a test, within the one-year limit. */
const FAR = new Date(Date.now() + 300 * 24 * 3_600_000).toISOString();

/** Moves a schedule's due time (as if the runtime had been down) and runs the agent's alarm now. */
const dueAgo = async (id: string, sid: string, agoMs: number): Promise<void> => {
  await inObject(id, async (state) => {
    state.storage.sql.exec("UPDATE schedules SET next_at = ? WHERE id = ?", Date.now() - agoMs, sid);
    await state.storage.setAlarm(Date.now());
  });
  await runAlarm(id);
};

/** Runs the alarm if it is set (it may already have run by itself). */
const runAlarm = async (id: string): Promise<void> => {
  await runDurableObjectAlarm(agentStub(id));
};

describe("create, list, cancel", () => {
  it("creates a cron schedule in a time zone, lists it with its next due time, and cancels it", async () => {
    const id = newId();
    await spawn("counter", id);
    const created = await post(schedules(id), { id: "nightly", cron: "30 2 * * *", timezone: "America/New_York", action: "increment", input: { by: 2 }, missed: "skip" });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ id: "nightly", action: "increment", input: { by: 2 }, cron: "30 2 * * *", timezone: "America/New_York", missed: "skip", active: true, firings: 0, last: null });
    expect(Date.parse(created.body.nextAt)).toBeGreaterThan(Date.now());
    expect(new Date(created.body.nextAt).getUTCMinutes()).toBe(30);
    expect((await list(id)).map((s: Body) => s.id)).toEqual(["nightly"]);
    expect((await del(`${schedules(id)}/nightly`)).status).toBe(204);
    expect(await list(id)).toEqual([]);
    expectProblem(await del(`${schedules(id)}/nightly`), 404, "not-found");
  });

  it("answers a retry with the same Idempotency-Key with the schedule it made (200), and pages the list", async () => {
    const id = newId();
    await spawn("counter", id);
    const headers = { "idempotency-key": newId("k") };
    const first = await post(schedules(id), { at: FAR, action: "increment", input: { by: 1 } }, headers);
    const again = await post(schedules(id), { at: FAR, action: "increment", input: { by: 1 } }, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    await post(schedules(id), { id: "b", at: FAR, action: "increment", input: { by: 1 } });
    expectProblem(await post(schedules(id), { id: "b", delayMs: 5, action: "increment", input: { by: 1 } }), 409, "conflict");
    const page = await get(`${schedules(id)}?limit=1`);
    expect(page.body.items).toHaveLength(1);
    const rest = await get(`${schedules(id)}?limit=10&cursor=${page.body.next}`);
    expect(rest.body).toMatchObject({ next: null, items: [expect.any(Object)] });
  });

  it("answers 404 for an unknown agent", async () => {
    expectProblem(await post(schedules(newId()), { delayMs: 5, action: "increment", input: { by: 1 } }), 404, "not-found");
    expectProblem(await get(schedules(newId())), 404, "not-found");
  });
});

describe("validation", () => {
  it("names the field: cron, timezone, at/delayMs/cron, action, input", async () => {
    const id = newId();
    await spawn("counter", id);
    expectInvalid(await post(schedules(id), { cron: "61 * * * *", action: "increment", input: { by: 1 } }), "cron");
    expectInvalid(await post(schedules(id), { cron: "0 * * * *", timezone: "Mars/Olympus", action: "increment", input: { by: 1 } }), "timezone");
    expectInvalid(await post(schedules(id), { at: FAR, delayMs: 5, action: "increment", input: { by: 1 } }), "delayMs");
    expectInvalid(await post(schedules(id), { action: "increment", input: { by: 1 } }), "at");
    expectInvalid(await post(schedules(id), { at: "tomorrow", action: "increment", input: { by: 1 } }), "at");
    expectInvalid(await post(schedules(id), { delayMs: 5, action: "nope", input: {} }), "action");
    expectInvalid(await post(schedules(id), { delayMs: 5, action: "increment", input: { by: "x" } }), "input.by");
    expectInvalid(await post(schedules(id), { delayMs: 5, timezone: "UTC", action: "increment", input: { by: 1 } }), "timezone");
    expect(await list(id)).toEqual([]);
  });

  it("accepts a cron firing every second, the finest there is, and refuses a 7-field pattern (no sub-second or year field)", async () => {
    const id = newId();
    await spawn("counter", id);
    expect((await post(schedules(id), { cron: "* * * * * *", action: "increment", input: { by: 1 }, id: "each-second" })).status).toBe(201);
    await del(`${schedules(id)}/each-second`);
    expectInvalid(await post(schedules(id), { cron: "* * * * * * *", action: "increment", input: { by: 1 } }), "cron");
  });

  it("refuses the 1,001st active schedule with 422 and stores nothing", async () => {
    const id = newId();
    await spawn("counter", id);
    await post(schedules(id), { id: "s-0", at: FAR, action: "increment", input: { by: 1 } });
    await inObject(id, (state) => {
      for (let i = 1; i < 1000; i++) {
        state.storage.sql.exec("INSERT INTO schedules (id, action, input, missed, next_at, created_at) VALUES (?, 'increment', '{\"by\":1}', 'once', ?, ?)", `s-${i}`, Date.parse(FAR), Date.now());
      }
    });
    const refused = expectProblem(await post(schedules(id), { id: "one-more", at: FAR, action: "increment", input: { by: 1 } }), 422, "schedule-limit");
    expect(refused.limit).toBe(1000);
    expect((await list(id)).length).toBe(1000);
    await del(`${schedules(id)}/s-5`);
    expect((await post(schedules(id), { id: "one-more", at: FAR, action: "increment", input: { by: 1 } })).status).toBe(201);
  });
});

describe("firing", () => {
  it("fires a delayMs schedule once on the alarm, with its outcome in the view", async () => {
    const id = newId();
    await spawn("counter", id);
    const created = await post(schedules(id), { id: "soon", delayMs: 0, action: "increment", input: { by: 5 } });
    expect(created.status, created.text).toBe(201);
    await runAlarm(id);
    const fired = await eventually("the firing", () => one(id, "soon"), (s) => s.firings === 1);
    expect(fired).toMatchObject({ active: false, nextAt: null, skipped: 0, last: { ok: true, error: null } });
    await runAlarm(id);
    expect((await view(id)).state).toEqual({ value: 5 });
  });

  it("runs a firing retried after its action committed (before the schedule moved on) once: the key replays it", async () => {
    const id = newId();
    await spawn("counter", id);
    await post(schedules(id), { id: "once", at: new Date(Date.now() + 600_000).toISOString(), action: "increment", input: { by: 1 } });
    await dueAgo(id, "once", 10);
    const fired = await eventually("the firing", () => one(id, "once"), (s) => s.firings === 1);
    expect((await view(id)).state).toEqual({ value: 1 });
    // The crash: the schedule row as it was before its settle committed.
    await inObject(id, async (state) => {
      state.storage.sql.exec("UPDATE schedules SET next_at = ?, firings = 0 WHERE id = 'once'", Date.parse(fired.last.dueAt));
      await state.storage.setAlarm(Date.now());
    });
    await runAlarm(id);
    await eventually("the retried firing", () => one(id, "once"), (s) => s.firings === 1 && s.active === false);
    expect((await view(id)).state).toEqual({ value: 1 });
    expect((await view(id)).counters.calls).toBe(1);
  });

  it("counts a firing that ran just before a crash as fired, not skipped, when it is reached again past the missed bound", async () => {
    const id = newId();
    await spawn("counter", id);
    // The state a crash leaves: the firing's action committed under its key, the schedule
    // not yet moved on, and the runtime back more than a minute after the due time.
    const dueAt = Date.now() - 120_000;
    const ran = await call(id, "increment", { by: 1 }, { "idempotency-key": `sched:late-skip:${dueAt}` });
    expect(ran.status, ran.text).toBe(200);
    await post(schedules(id), { id: "late-skip", at: new Date(dueAt).toISOString(), missed: "skip", action: "increment", input: { by: 1 } });
    await runAlarm(id);
    const settled = await eventually("the firing settled", () => one(id, "late-skip"), (s) => !s.active);
    expect(settled).toMatchObject({ firings: 1, skipped: 0, last: { ok: true, dueAt: new Date(dueAt).toISOString() } });
    expect((await view(id)).state).toEqual({ value: 1 });
  });

  it("moves a cron schedule to its next slot after each firing", async () => {
    const id = newId();
    await spawn("counter", id);
    await post(schedules(id), { id: "minutely", cron: "0 * * * * *", action: "increment", input: { by: 1 } });
    await dueAgo(id, "minutely", 1_000);
    const after = await eventually("the firing", () => one(id, "minutely"), (s) => s.firings === 1);
    expect(after.active).toBe(true);
    expect(Date.parse(after.nextAt)).toBeGreaterThan(Date.now() - 1_000);
    expect(new Date(after.nextAt).getUTCSeconds()).toBe(0);
    expect((await view(id)).state).toEqual({ value: 1 });
  });

  it("missed by the runtime: `once` fires one catch-up, `skip` fires none; both move past now", async () => {
    const id = newId();
    await spawn("counter", id);
    await post(schedules(id), { id: "catch-up", cron: "* * * * * *", missed: "once", action: "increment", input: { by: 1 } });
    await post(schedules(id), { id: "skipper", cron: "* * * * * *", missed: "skip", action: "increment", input: { by: 100 } });
    await inObject(id, (state) => {
      state.storage.sql.exec("UPDATE schedules SET next_at = ?", Date.now() - 3_600_000);
    });
    await dueAgo(id, "catch-up", 3_600_000);
    const caught = await eventually("the catch-up", () => one(id, "catch-up"), (s) => s.firings >= 1);
    const skipped = await one(id, "skipper");
    // It skipped the missed hour; any firing it has is one of its own seconds since (it runs every second).
    expect(skipped.firings === 0 || Date.parse(skipped.last.dueAt) > Date.now() - 60_000).toBe(true);
    expect(skipped.skipped).toBeGreaterThanOrEqual(1);
    expect(Date.parse(skipped.nextAt)).toBeGreaterThan(Date.now() - 5_000);
    expect(Date.parse(caught.last.dueAt)).toBeLessThan(Date.now() - 3_000_000);
    // One catch-up for an hour of missed slots; later firings are the schedules' own seconds,
    // which go on every second: read the counter between two equal readings of both schedules.
    const firings = async () => [(await one(id, "catch-up")).firings, (await one(id, "skipper")).firings];
    const reading = await eventually(
      "a reading between firings",
      async () => ({ before: await firings(), value: (await view(id)).state.value as number, after: await firings() }),
      (r) => r.before.join() === r.after.join(),
    );
    const [catchUps, skipperFirings] = reading.after as [number, number];
    expect(reading.value).toBe(catchUps + 100 * skipperFirings);
    await del(`${schedules(id)}/catch-up`);
    await del(`${schedules(id)}/skipper`);
  });

  it("a one-shot missed with `skip` is dropped; with `once` it runs late", async () => {
    const id = newId();
    await spawn("counter", id);
    await post(schedules(id), { id: "late", at: FAR, missed: "once", action: "increment", input: { by: 1 } });
    await post(schedules(id), { id: "dropped", at: FAR, missed: "skip", action: "increment", input: { by: 10 } });
    await inObject(id, (state) => {
      state.storage.sql.exec("UPDATE schedules SET next_at = ?", Date.now() - 120_000);
    });
    await dueAgo(id, "late", 120_000);
    await eventually("both settled", () => list(id), (items) => items.every((s: Body) => !s.active));
    expect(await one(id, "late")).toMatchObject({ firings: 1, skipped: 0 });
    expect(await one(id, "dropped")).toMatchObject({ firings: 0, skipped: 1, last: null });
    expect((await view(id)).state).toEqual({ value: 1 });
  });

  it("a failing action (after the agent's retries) leaves its problem as the last outcome", async () => {
    const id = newId();
    await spawn("flaky", id);
    await post(schedules(id), { id: "refused", delayMs: 0, action: "work", input: { mode: "refuse" } });
    await runAlarm(id);
    const failed = await eventually("the firing", () => one(id, "refused"), (s) => s.firings === 1);
    expect(failed.last).toMatchObject({ ok: false, error: { status: 422, type: expect.stringMatching(/action-failed$/) } });
  });

  it("waits while the agent is paused, and fires when it resumes", async () => {
    const id = newId();
    await spawn("counter", id);
    await post(`/v1/agents/${id}/pause`);
    await post(schedules(id), { id: "held", delayMs: 0, action: "increment", input: { by: 1 } });
    await inObject(id, (state) => state.storage.setAlarm(Date.now()));
    await runAlarm(id);
    expect(await one(id, "held")).toMatchObject({ firings: 0, active: true });
    await post(`/v1/agents/${id}/resume`);
    await runAlarm(id);
    await eventually("the firing", () => one(id, "held"), (s) => s.firings === 1);
    expect((await view(id)).state).toEqual({ value: 1 });
  });
});

describe("security", () => {
  it("creating and cancelling need agents:schedule:<type>, listing agents:read:<type>; a 403 changes nothing", async () => {
    const id = newId();
    await spawn("counter", id);
    await post(schedules(id), { id: "kept", at: FAR, action: "increment", input: { by: 1 } });
    const reader = await client({ tenant: TENANT, caps: ["agents:read:counter", "agents:call:counter.*"] });
    expectForbidden(await reader.post(schedules(id), { delayMs: 0, action: "increment", input: { by: 1 } }), "agents:schedule:counter");
    expectForbidden(await reader.del(`${schedules(id)}/kept`), "agents:schedule:counter");
    expect((await reader.get(schedules(id))).body.items.map((s: Body) => s.id)).toEqual(["kept"]);
    const scheduler = await client({ tenant: TENANT, caps: ["agents:schedule:counter"] });
    expectForbidden(await scheduler.get(schedules(id)), "agents:read:counter");
    expect((await scheduler.post(schedules(id), { id: "theirs", at: FAR, action: "increment", input: { by: 1 } })).status).toBe(201);
    expect((await scheduler.del(`${schedules(id)}/theirs`)).status).toBe(204);
    expect((await list(id)).map((s: Body) => s.id)).toEqual(["kept"]);
    expect((await view(id)).state).toEqual({ value: 0 });
    expect((await call(id, "increment", { by: 0 })).status).toBe(200);
  });
});

describe("ctx.schedule", () => {
  it("an action schedules one of its agent's actions with its commit; the firing runs once", async () => {
    const id = newId();
    await post("/v1/agents", { type: "supervised", id });
    const planned = await call(id, "plan", { delayMs: 0, id: "from-ctx" });
    expect(planned.status, planned.text).toBe(200);
    expect(planned.body).toEqual({ id: "from-ctx", before: 0 });
    expect(await one(id, "from-ctx")).toMatchObject({ action: "ping", input: {} });
    await runAlarm(id);
    await eventually("the firing", () => one(id, "from-ctx"), (s) => s.firings === 1);
    expect((await view(id)).counters.calls).toBe(2);
    // Listing sees the committed one; cancelling with the next commit removes it.
    const again = await call(id, "plan", { delayMs: 600_000, id: "second", cancel: "from-ctx" });
    expect(again.body).toEqual({ id: "second", before: 1 });
    expect((await list(id)).map((s: Body) => s.id)).toEqual(["second"]);
  });

  it("a bad request fails the action (422 naming the field) and stores nothing", async () => {
    const id = newId();
    await post("/v1/agents", { type: "supervised", id });
    const refused = expectProblem(await call(id, "plan", { cron: "not a cron" }), 422, "action-failed");
    expect(refused.code).toBe("invalid-schedule");
    expect(refused.detail).toContain("schedule.cron");
    expect(await list(id)).toEqual([]);
  });
});
