// A run's storage (objects/workflow/run-store.ts): the header's rarely changing parts
// (input, bindings, roles) live in their own rows, written when they change, and the
// tables a run does not need are not created. A run stored before (its parts inline in
// the header, every table created at its start) loads and goes on unchanged.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { eventually, finished, order, orderClient, runOf, runStub, startRun, stepReaches } from "./workflows.ts";

const tablesOf = (tenant: string, runId: string): Promise<string[]> =>
  runInDurableObject(runStub(tenant, runId), (_instance, state) =>
    state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name").toArray().map((row) => row.name),
  );

const headerOf = (tenant: string, runId: string): Promise<Record<string, unknown>> =>
  runInDurableObject(runStub(tenant, runId), (_instance, state) => JSON.parse(state.storage.sql.exec<{ header: string }>("SELECT header FROM run").one().header) as Record<string, unknown>);

describe("run storage", () => {
  it("keeps input, bindings and roles out of the header, and creates no table a run does not use", async () => {
    const client = await orderClient();
    const run = await startRun(client, "order_processing", order("succeed"));
    const done = await finished(client, run.id);
    expect(done.status).toBe("completed");
    const header = await headerOf(client.tenant, run.id);
    for (const part of ["input", "bindings", "roles"]) expect(Object.hasOwn(header, part)).toBe(false);
    expect(done.input).toEqual(run.input);
    expect(done.bindings).toEqual(run.bindings);
    // No Idempotency-Key, no buffered event: no start_request, no inbox.
    const tables = await tablesOf(client.tenant, run.id);
    expect(tables).not.toContain("start_request");
    expect(tables).not.toContain("inbox");
    // The outbox of its transition events: no AUTOINCREMENT (its sequence table), no unique index.
    expect(tables).not.toContain("sqlite_sequence");
    expect(tables).toEqual(expect.arrayContaining(["run", "steps", "run_parts", "event_outbox"]));
  });

  it("loads a run stored with its parts inline in the header, goes on with them (cancelled) and keeps them after a restart", async () => {
    const client = await orderClient();
    const run = await startRun(client, "order_processing", order("hang"));
    // Nothing more happens in the run for a while: its payment hangs (and the turn's publishing is over).
    await stepReaches(client, run.id, "process_payment", "running");
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = await runOf(client, run.id);
    // As a run stored before run_parts: the parts inline in its header, and no run_parts table.
    await runInDurableObject(runStub(client.tenant, run.id), (_instance, state) => {
      const { sql } = state.storage;
      const parts = Object.fromEntries(sql.exec<{ name: string; value: string }>("SELECT name, value FROM run_parts").toArray().map((row) => [row.name, JSON.parse(row.value)]));
      const header = JSON.parse(sql.exec<{ header: string }>("SELECT header FROM run").one().header) as Record<string, unknown>;
      sql.exec("UPDATE run SET header = ?", JSON.stringify({ ...header, ...parts }));
      sql.exec("DROP TABLE run_parts");
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
});
