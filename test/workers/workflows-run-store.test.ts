// A run's storage (objects/workflow/run-store.ts): the header's rarely changing parts
// (input, bindings, roles) live in the run row's parts column, written when they change,
// a step has no row until it leaves its blank start, and the tables a run does not need
// are not created. A run stored before (its parts in run_parts rows, or inline in the
// header; every step's row written at its start) loads and goes on unchanged.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { eventually, finished, order, orderClient, runOf, runStub, startRun, stepReaches, workflowEvents } from "./workflows.ts";
import { runIdFor } from "../../src/platform/workflow/run-id.ts";
import { runShardCount, runShardOf, runsIndexShardName } from "../../src/platform/workflow/run-shards.ts";

const tablesOf = (tenant: string, runId: string): Promise<string[]> =>
  runInDurableObject(runStub(tenant, runId), (_instance, state) =>
    state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name").toArray().map((row) => row.name),
  );

const headerOf = (tenant: string, runId: string): Promise<Record<string, unknown>> =>
  runInDurableObject(runStub(tenant, runId), (_instance, state) => JSON.parse(state.storage.sql.exec<{ header: string }>("SELECT header FROM run").one().header) as Record<string, unknown>);

/** An order run whose payment hangs, read once nothing more happens in it for a while (the turn's publishing is over). */
const hangingRun = async () => {
  const client = await orderClient();
  const run = await startRun(client, "order_processing", order("hang"));
  await stepReaches(client, run.id, "process_payment", "running");
  await new Promise((resolve) => setTimeout(resolve, 500));
  return { client, run, before: await runOf(client, run.id) };
};

describe("run storage", () => {
  it("keeps input, bindings and roles out of the header (in the run row's parts), and creates no table a run does not use", async () => {
    const client = await orderClient();
    const run = await startRun(client, "order_processing", order("succeed"));
    const done = await finished(client, run.id);
    expect(done.status).toBe("completed");
    const header = await headerOf(client.tenant, run.id);
    for (const part of ["input", "bindings", "roles"]) expect(Object.hasOwn(header, part)).toBe(false);
    expect(done.input).toEqual(run.input);
    expect(done.bindings).toEqual(run.bindings);
    const parts = await runInDurableObject(runStub(client.tenant, run.id), (_instance, state) => JSON.parse(state.storage.sql.exec<{ parts: string }>("SELECT parts FROM run").one().parts) as Record<string, unknown>);
    expect(parts).toEqual({ input: done.input, bindings: done.bindings, roles: done.roles });
    // No Idempotency-Key, no buffered event: no start_request, no inbox.
    const tables = await tablesOf(client.tenant, run.id);
    expect(tables).not.toContain("start_request");
    expect(tables).not.toContain("inbox");
    // The outbox of its transition events: no AUTOINCREMENT (its sequence table), no unique index.
    expect(tables).not.toContain("sqlite_sequence");
    expect(tables).not.toContain("run_parts");
    expect(tables).toEqual(expect.arrayContaining(["run", "steps", "event_outbox"]));
  });

  it("loads a run stored with its parts inline in the header, goes on with them (cancelled) and keeps them after a restart", async () => {
    const { client, run, before } = await hangingRun();
    // As a run stored before run_parts: the parts inline in its header, no parts column, no run_parts table.
    await runInDurableObject(runStub(client.tenant, run.id), (_instance, state) => {
      const { sql } = state.storage;
      const parts = JSON.parse(sql.exec<{ parts: string }>("SELECT parts FROM run").one().parts) as Record<string, unknown>;
      const header = JSON.parse(sql.exec<{ header: string }>("SELECT header FROM run").one().header) as Record<string, unknown>;
      sql.exec("UPDATE run SET header = ?", JSON.stringify({ ...header, ...parts }));
      sql.exec("ALTER TABLE run DROP COLUMN parts");
    });
    await runInDurableObject(runStub(client.tenant, run.id), (_instance, state) => state.abort("restarted by test")).catch(() => undefined);
    const loaded = await runOf(client, run.id);
    expect({ input: loaded.input, bindings: loaded.bindings, roles: loaded.roles }).toEqual({ input: before.input, bindings: before.bindings, roles: before.roles });
    expect((await client.send("POST", `/v1/runs/${run.id}/cancel`)).status).toBe(202);
    // Cancelling (its hanging payment's answer is not waited for) or already ended.
    const done = await eventually("the run cancelling", () => runOf(client, run.id), (view) => view.status !== "running");
    expect({ input: done.input, bindings: done.bindings, roles: done.roles }).toEqual({ input: before.input, bindings: before.bindings, roles: before.roles });
    // Its next transition moved the parts out of the header.
    const header = await headerOf(client.tenant, run.id);
    for (const part of ["input", "bindings", "roles"]) expect(Object.hasOwn(header, part)).toBe(false);
    await runInDurableObject(runStub(client.tenant, run.id), (_instance, state) => state.abort("restarted by test")).catch(() => undefined);
    const reloaded = await runOf(client, run.id);
    expect({ input: reloaded.input, bindings: reloaded.bindings, roles: reloaded.roles }).toEqual({ input: before.input, bindings: before.bindings, roles: before.roles });
  });

  it("loads a run stored with its parts in run_parts rows and every step's row (the layout before), goes on in it and keeps it after a restart", async () => {
    const { client, run, before } = await hangingRun();
    // As stored before: a run table without the parts column, the parts in run_parts, a row for every step.
    await runInDurableObject(runStub(client.tenant, run.id), (_instance, state) => {
      const { sql } = state.storage;
      const parts = JSON.parse(sql.exec<{ parts: string }>("SELECT parts FROM run").one().parts) as Record<string, unknown>;
      sql.exec("ALTER TABLE run DROP COLUMN parts");
      sql.exec("CREATE TABLE run_parts (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
      for (const [name, value] of Object.entries(parts)) sql.exec("INSERT INTO run_parts (name, value) VALUES (?, ?)", name, JSON.stringify(value));
      for (const step of before.steps) {
        if (step.status !== "pending") continue;
        const record = { name: step.name, kind: "step", status: "pending", attempts: 0, agent: null, startedAt: null, finishedAt: null, deadline: null, retryAt: null, output: null, error: null, compensation: null };
        sql.exec("INSERT INTO steps (name, record) VALUES (?, ?)", step.name, JSON.stringify(record));
      }
    });
    await runInDurableObject(runStub(client.tenant, run.id), (_instance, state) => state.abort("restarted by test")).catch(() => undefined);
    const loaded = await runOf(client, run.id);
    expect(loaded).toEqual(before);
    expect((await client.send("POST", `/v1/runs/${run.id}/cancel`)).status).toBe(202);
    const done = await eventually("the run cancelling", () => runOf(client, run.id), (view) => view.status !== "running");
    expect({ input: done.input, bindings: done.bindings, roles: done.roles }).toEqual({ input: before.input, bindings: before.bindings, roles: before.roles });
    // Still the layout it was stored in: no parts column, its parts in run_parts.
    const layout = await runInDurableObject(runStub(client.tenant, run.id), (_instance, state) => ({
      columns: state.storage.sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('run')").toArray().map((row) => row.name),
      parts: state.storage.sql.exec<{ name: string }>("SELECT name FROM run_parts ORDER BY name").toArray().map((row) => row.name),
    }));
    expect(layout.columns).not.toContain("parts");
    expect(layout.parts).toEqual(["bindings", "input", "roles"]);
    await runInDurableObject(runStub(client.tenant, run.id), (_instance, state) => state.abort("restarted by test")).catch(() => undefined);
    const reloaded = await runOf(client, run.id);
    expect({ input: reloaded.input, bindings: reloaded.bindings, roles: reloaded.roles, steps: reloaded.steps.map((s: { name: string }) => s.name) }).toEqual({
      input: before.input,
      bindings: before.bindings,
      roles: before.roles,
      steps: before.steps.map((s: { name: string }) => s.name),
    });
  });

  it("loads a new run's steps that have no row (blank) after a restart, in flow order", async () => {
    const { client, run, before } = await hangingRun();
    const rows = await runInDurableObject(runStub(client.tenant, run.id), (_instance, state) =>
      state.storage.sql.exec<{ name: string }>("SELECT name FROM steps ORDER BY name").toArray().map((row) => row.name),
    );
    expect(rows).toEqual(["check_inventory", "process_payment", "validate_order"]);
    await runInDurableObject(runStub(client.tenant, run.id), (_instance, state) => state.abort("restarted by test")).catch(() => undefined);
    const loaded = await runOf(client, run.id);
    expect(loaded).toEqual(before);
    expect(loaded.steps.filter((s: { status: string }) => s.status === "pending").map((s: { name: string }) => s.name)).toEqual(["fulfill_order", "send_confirmation", "cancel_order", "notify_failure"]);
  });

  it("keeps its runs-index shard in the header, and indexes a run whose shard is in an index_shard row (stored before) in that shard", async () => {
    const client = await orderClient();
    const run = await startRun(client, "order_processing", order("hang"));
    const shards = runShardCount(env.JIDO_RUN_INDEX_SHARDS);
    const home = runShardOf(run.id, shards);
    // Indexed (running) in its home shard, written down in the header, in no table of its own.
    const header = await eventually("the shard in the header", () => headerOf(client.tenant, run.id), (h) => h.indexShard !== undefined);
    expect(header.indexShard).toBe(home);
    expect(await tablesOf(client.tenant, run.id)).not.toContain("index_shard");
    // As a run stored before: its shard in an index_shard row (another shard than its id's hash, so
    // that only the row can send it there), none in the header; then the object restarts.
    const other = (home + 1) % shards;
    await runInDurableObject(runStub(client.tenant, run.id), (_instance, state) => {
      const { sql } = state.storage;
      const { indexShard: _shard, ...rest } = JSON.parse(sql.exec<{ header: string }>("SELECT header FROM run").one().header) as Record<string, unknown>;
      sql.exec("UPDATE run SET header = ?", JSON.stringify(rest));
      sql.exec("CREATE TABLE index_shard (k INTEGER PRIMARY KEY CHECK (k = 1), shard INTEGER NOT NULL)");
      sql.exec("INSERT INTO index_shard (k, shard) VALUES (1, ?)", other);
    });
    await runInDurableObject(runStub(client.tenant, run.id), (_instance, state) => state.abort("restarted by test")).catch(() => undefined);
    expect((await client.send("POST", `/v1/runs/${run.id}/cancel`)).status).toBe(202);
    const shardOf = (k: number) => env.RUNS_INDEX.get(env.RUNS_INDEX.idFromName(runsIndexShardName(client.tenant, k)));
    const statusIn = (k: number) =>
      runInDurableObject(shardOf(k), (_instance, state) => state.storage.sql.exec<{ status: string }>("SELECT status FROM runs WHERE id = ?", run.id).toArray()[0]?.status);
    // Cancelling (its hanging payment's answer is not waited for), or already ended: indexed in the row's shard.
    const indexed = await eventually("the run's new status indexed in the row's shard", () => statusIn(other), (status) => status !== undefined);
    expect(indexed).toBe((await runOf(client, run.id)).status);
    expect(indexed).not.toBe("running");
    expect(await statusIn(home)).toBe("running"); // the entry made before the row moved it (this test's doing), left as it was
    // Its next header write keeps the shard it was indexed in.
    expect((await headerOf(client.tenant, run.id)).indexShard).toBe(other);
  });

  it("stores a new run as its first transition leaves it: the transaction that creates it has its first steps running, their events after the start's", async () => {
    const client = await orderClient();
    const key = `store-${crypto.randomUUID()}`;
    const stub = runStub(client.tenant, await runIdFor("order_processing", key));
    // The run's object before its start (no run in it yet): the first transaction that leaves a run
    // in storage notes the steps as it left them.
    await runInDurableObject(stub, (_instance, state) => {
      const storage = state.storage as DurableObjectStorage & { created?: Record<string, string> };
      const transactionSync = storage.transactionSync.bind(storage);
      const stepsNow = () =>
        Object.fromEntries(storage.sql.exec<{ name: string; record: string }>("SELECT name, record FROM steps").toArray().map((row) => [row.name, (JSON.parse(row.record) as { status: string }).status]));
      const hasRun = () => storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'run'").one().n > 0;
      Object.defineProperty(storage, "transactionSync", {
        configurable: true,
        value: <T>(fn: () => T): T => {
          const value = transactionSync(fn);
          if (storage.created === undefined && hasRun()) storage.created = stepsNow();
          return value;
        },
      });
    });
    const run = await startRun(client, "order_processing", order("hang"), { "idempotency-key": key });
    const created = await runInDurableObject(stub, (_instance, state) => (state.storage as DurableObjectStorage & { created?: Record<string, string> }).created);
    // Its steps not started yet have no row (blank until they change).
    expect(created).toEqual({ validate_order: "running", check_inventory: "running" });
    const events = await eventually("the run's first events", () => workflowEvents(client, run.id), (list) => list.length >= 3);
    expect(events.slice(0, 3).map((event) => [event.type, event.data?.step ?? null])).toEqual([
      ["workflow.run.started", null],
      ["workflow.step.started", "validate_order"],
      ["workflow.step.started", "check_inventory"],
    ]);
  });
});
