// Runs do not pile up: a tenant's runs index keeps at most JIDO_RUNS_INDEX_MAX finished
// runs (the oldest finished pruned first) and none past JIDO_RUN_RETENTION_DAYS, never a
// running run's entry; a finished run's coordinator deletes its storage once its
// retention ends (GET answers 404), after its events are published and the index knows
// it. Small bounds are set on the test tenant's objects only (vars.ts).
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Body, expectProblem } from "./http.ts";
import { type Client, clientOf, eventually, finished, indexShardStub, order, orderClient, runOf, runStub, startRun, workflowEvents } from "./workflows.ts";
import { withVars } from "./vars.ts";
import { typedStub } from "../../objects/durable/index.ts";
import { sha256Hex } from "../../src/platform/canonical-json.ts";
import { workflowRegistryName } from "../../src/platform/workflow/naming.ts";

const DAY = 86_400_000;

const registryOf = (tenant: string) => env.WORKFLOWS.get(env.WORKFLOWS.idFromName(workflowRegistryName(tenant)));

/** A runs-index entry as the coordinator records it; times in epoch ms. */
const summary = (id: string, status: string, createdAt: number, updatedAt = createdAt) => ({
  id,
  workflow: "order_processing",
  version: "1.0.0",
  status,
  createdAt: new Date(createdAt).toISOString(),
  updatedAt: new Date(updatedAt).toISOString(),
});

const record = async (tenant: string, entry: ReturnType<typeof summary>) => {
  const result = await typedStub(registryOf(tenant)).recordRun({ tenant }, entry);
  expect(result).toEqual({ ok: true, value: null });
};

const listedIds = async (client: Client): Promise<string[]> => {
  const reply = await client.send("GET", "/v1/runs?limit=1000");
  expect(reply.status, reply.text).toBe(200);
  return reply.body.items.map((run: Body) => run.id);
};

const indexRows = (tenant: string): Promise<string[]> =>
  runInDurableObject(registryOf(tenant), (_instance, state) => state.storage.sql.exec<{ id: string }>("SELECT id FROM runs ORDER BY id").toArray().map((row) => row.id));

/** The id the API gives a run started under this Idempotency-Key (src/api/workflows.ts). */
const runIdFor = async (workflow: string, key: string): Promise<string> => `run_${(await sha256Hex(`${workflow}\n${key}`)).slice(0, 32)}`;

describe("the runs index", () => {
  it("keeps at most JIDO_RUNS_INDEX_MAX finished runs, pruning the oldest finished first, and never a running run", async () => {
    const client = await clientOf();
    await withVars(registryOf(client.tenant), { JIDO_RUNS_INDEX_MAX: "3" });
    const now = Date.now();
    // Started long ago and still running: never pruned, whatever the bounds.
    await record(client.tenant, summary("run_running", "running", now - 60 * DAY));
    // Finished in the order f1..f5 (minutes apart), started in another order: the finish time decides.
    const starts = [5, 1, 4, 2, 3];
    for (const [n, start] of starts.entries()) {
      await record(client.tenant, summary(`run_f${n + 1}`, "running", now - 60_000 * (10 + start)));
      await record(client.tenant, summary(`run_f${n + 1}`, "completed", now - 60_000 * (10 + start), now - 60_000 * (5 - n)));
    }
    expect(await indexRows(client.tenant)).toEqual(["run_f3", "run_f4", "run_f5", "run_running"]);
    // Listed newest first by start time, as ever.
    expect(await listedIds(client)).toEqual(["run_f4", "run_f5", "run_f3", "run_running"]);
  });

  it("keeps its count of finished entries exact across restarts, runs recorded again and runs recorded first as finished", async () => {
    const client = await clientOf();
    const restartWithMax = async () => {
      await runInDurableObject(registryOf(client.tenant), (_instance, state) => state.abort("restarted by test")).catch(() => undefined);
      await withVars(registryOf(client.tenant), { JIDO_RUNS_INDEX_MAX: "2" });
    };
    const now = Date.now();
    const at = (minutes: number) => now - 60_000 * (30 - minutes);
    await withVars(registryOf(client.tenant), { JIDO_RUNS_INDEX_MAX: "2" });
    for (const id of ["run_a", "run_b", "run_c"]) await record(client.tenant, summary(id, "running", at(0)));
    await restartWithMax();
    await record(client.tenant, summary("run_a", "completed", at(0), at(1)));
    await record(client.tenant, summary("run_b", "completed", at(0), at(2)));
    // Recorded again as it was (a retry): still one finished entry.
    await record(client.tenant, summary("run_b", "completed", at(0), at(2)));
    expect(await indexRows(client.tenant)).toEqual(["run_a", "run_b", "run_c"]);
    await record(client.tenant, summary("run_c", "failed", at(0), at(3)));
    expect(await indexRows(client.tenant)).toEqual(["run_b", "run_c"]);
    await restartWithMax();
    // First recorded when finished, then a run's start and finish.
    await record(client.tenant, summary("run_d", "completed", at(4), at(4)));
    expect(await indexRows(client.tenant)).toEqual(["run_c", "run_d"]);
    await record(client.tenant, summary("run_e", "running", at(5)));
    await record(client.tenant, summary("run_e", "completed", at(5), at(6)));
    expect(await indexRows(client.tenant)).toEqual(["run_d", "run_e"]);
  });

  it("prunes finished entries past JIDO_RUN_RETENTION_DAYS when a run finishes and on its alarm; running entries stay", async () => {
    const client = await clientOf();
    const now = Date.now();
    await record(client.tenant, summary("run_old_running", "running", now - 30 * DAY));
    await record(client.tenant, summary("run_expired", "failed", now - 9 * DAY, now - 8 * DAY));
    await record(client.tenant, summary("run_6d", "completed", now - 6 * DAY));
    await record(client.tenant, summary("run_2d", "completed", now - 2 * DAY));
    // The default (wrangler.toml: 7 days): the 8-day-old entry went as it was written.
    expect(await indexRows(client.tenant)).toEqual(["run_2d", "run_6d", "run_old_running"]);

    // Retention shortened to 3 days: the list stops showing the 6-day-old entry at once,
    // and the alarm (armed for the oldest finished entry's expiry) deletes it.
    await withVars(registryOf(client.tenant), { JIDO_RUN_RETENTION_DAYS: "3" });
    expect(await listedIds(client)).toEqual(["run_2d", "run_old_running"]);
    expect(await indexRows(client.tenant)).toContain("run_6d");
    expect(await runDurableObjectAlarm(registryOf(client.tenant))).toBe(true);
    expect(await indexRows(client.tenant)).toEqual(["run_2d", "run_old_running"]);
    const alarm = await runInDurableObject(registryOf(client.tenant), (_instance, state) => state.storage.getAlarm());
    expect(alarm).toBe(Date.parse(summary("x", "completed", now - 2 * DAY).updatedAt) + 3 * DAY);
  });

  it("an index written before entries had finish times is upgraded when its object starts, and pruned by them", async () => {
    const client = await clientOf();
    const now = Date.now();
    await runInDurableObject(registryOf(client.tenant), (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec("DROP TABLE runs");
      sql.exec("CREATE TABLE runs (id TEXT PRIMARY KEY, workflow TEXT NOT NULL, status TEXT NOT NULL, summary TEXT NOT NULL, created_at INTEGER NOT NULL DEFAULT 0)");
      for (const entry of [summary("run_done", "completed", now - 9 * DAY), summary("run_recent", "completed", now - DAY), summary("run_busy", "running", now - 9 * DAY)]) {
        sql.exec("INSERT INTO runs (id, workflow, status, summary, created_at) VALUES (?, ?, ?, ?, ?)", entry.id, entry.workflow, entry.status, JSON.stringify(entry), Date.parse(entry.createdAt));
      }
    });
    await runInDurableObject(registryOf(client.tenant), (_instance, state) => state.abort("restarted by test")).catch(() => undefined);
    const finishedAt = await runInDurableObject(registryOf(client.tenant), (_instance, state) =>
      Object.fromEntries(state.storage.sql.exec<{ id: string; finished_at: number | null }>("SELECT id, finished_at FROM runs").toArray().map((row) => [row.id, row.finished_at])),
    );
    expect(finishedAt).toEqual({ run_done: now - 9 * DAY, run_recent: now - DAY, run_busy: null });
    expect(await listedIds(client)).toEqual(["run_recent", "run_busy"]);
  });
});

describe("a finished run's storage", () => {
  it("is kept for JIDO_RUN_RETENTION_DAYS (7 by default): its alarm is set for then, and firing it early deletes nothing", async () => {
    const client = await orderClient();
    const run = await finished(client, (await startRun(client, "order_processing", order("succeed"))).id);
    const stub = runStub(client.tenant, run.id);
    const alarm = await eventually(
      "the retention alarm",
      () => runInDurableObject(stub, (_instance, state) => state.storage.getAlarm()),
      (at) => at === Date.parse(run.updatedAt) + 7 * DAY,
    );
    expect(alarm).toBe(Date.parse(run.updatedAt) + 7 * DAY);
    // Run now, a week early: the run stays, and so does its alarm.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await runOf(client, run.id)).toEqual(run);
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm())).toBe(alarm);
  });

  it("is deleted when its retention ends, once its events are published and the index knows it: GET answers 404", async () => {
    const client = await orderClient();
    const key = `bounded-${crypto.randomUUID()}`;
    const id = await runIdFor("order_processing", key);
    await withVars(runStub(client.tenant, id), { JIDO_RUN_RETENTION_DAYS: "0" });
    await withVars(indexShardStub(client.tenant, id), { JIDO_RUN_RETENTION_DAYS: "0" });
    const started = await startRun(client, "order_processing", order("succeed"), { "idempotency-key": key });
    expect(started.id).toBe(id);

    const gone = await eventually("the run to be deleted", () => client.send("GET", `/v1/runs/${id}`), (reply) => reply.status === 404);
    expectProblem(gone, 404, "not-found");
    // Nothing was lost: every transition reached the workflow stream before the storage went.
    const events = await workflowEvents(client, id);
    expect(events.map((event) => event.type)).toContain("workflow.run.completed");
    // Nothing is left: no tables, no alarm; and the index does not list it.
    const left = await runInDurableObject(runStub(client.tenant, id), async (_instance, state) => ({
      tables: state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'").toArray().map((row) => row.name),
      alarm: await state.storage.getAlarm(),
    }));
    expect(left).toEqual({ tables: [], alarm: null });
    expect(await listedIds(client)).not.toContain(id);
    // The run is unknown now: its key starts a new run (a key names its run for the run's retention).
    const again = await client.send("POST", "/v1/workflows/order_processing/runs", order("succeed"), { "idempotency-key": key });
    expect(again.status, again.text).toBe(202);
    await eventually("the new run to be deleted too", () => client.send("GET", `/v1/runs/${id}`), (reply) => reply.status === 404);
  });
});
