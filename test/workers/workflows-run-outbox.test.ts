// A run's outbox of transition events (objects/durable/outbox.ts, lean): its rows are
// also held in memory so a publishing pass reads no SQL. The copy is read from the table
// after a restart (events a crash left unsent are published, before the run's next ones),
// and a transaction that rolls back leaves none of its events in it, not even in the copy
// a drain under way holds.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { eventually, order, orderClient, runStub, startRun, stepReaches, workflowEvents } from "./workflows.ts";
import { createRunStore } from "../../objects/workflow/run-store.ts";
import { runEvent } from "../../src/platform/workflow/run-events.ts";

const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

describe("run outbox", () => {
  it("publishes the events a restart finds in the outbox, before the run's next ones", async () => {
    const client = await orderClient();
    const run = await startRun(client, "order_processing", order("hang"));
    await stepReaches(client, run.id, "process_payment", "running");
    await settle();
    const left = runEvent("order_processing", run.id, "workflow.test.left", { run: run.id }, Date.now());
    // As a crash leaves it: an event committed with its transition, not yet appended.
    await runInDurableObject(runStub(client.tenant, run.id), (_instance, state) => {
      state.storage.sql.exec("INSERT INTO event_outbox (seq, id, body) VALUES (1000, ?, ?)", left.id, JSON.stringify(left));
    });
    await runInDurableObject(runStub(client.tenant, run.id), (_instance, state) => state.abort("restarted by test")).catch(() => undefined);
    expect((await client.send("POST", `/v1/runs/${run.id}/cancel`)).status).toBe(202);
    const events = await eventually("the left event and the cancel published", () => workflowEvents(client, run.id), (list) =>
      list.some((event) => event.id === left.id) && list.some((event) => event.type === "workflow.run.cancelling" || event.type === "workflow.run.cancelled"),
    );
    const at = events.findIndex((event) => event.id === left.id);
    const cancel = events.findIndex((event) => event.type === "workflow.run.cancelling" || event.type === "workflow.run.cancelled");
    expect(at).toBeLessThan(cancel);
    expect(events.filter((event) => event.id === left.id)).toHaveLength(1);
    // Everything published: nothing left in the table.
    const rows = await eventually("the outbox drained", () => runInDurableObject(runStub(client.tenant, run.id), (_instance, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM event_outbox").one().n), (n) => n === 0);
    expect(rows).toBe(0);
  });

  it("keeps no event of a transaction that rolled back, in the table or in the copy a drain holds", async () => {
    const client = await orderClient();
    const run = await startRun(client, "order_processing", order("hang"));
    await stepReaches(client, run.id, "process_payment", "running");
    await settle();
    const outcome = await runInDurableObject(runStub(client.tenant, run.id), (_instance, state) => {
      const store = createRunStore(state.storage);
      const stored = store.load()!;
      const held = store.outbox; // as a drain under way holds it
      const before = held.peek(100).length;
      const kept = runEvent("order_processing", run.id, "workflow.test.kept", {}, Date.now());
      const rolledBack = runEvent("order_processing", run.id, "workflow.test.rolled_back", {}, Date.now());
      // Its second event cannot be written (JSON has no BigInt): the transaction, first event included, rolls back.
      const unwritable = runEvent("order_processing", run.id, "workflow.test.unwritable", { n: 1n }, Date.now());
      expect(() => store.save(stored.state, stored.state, stored.indexedStatus, [rolledBack, unwritable])).toThrow();
      const afterRollback = { held: held.peek(100).map((row) => held.toEvent(row).id), store: store.outbox.peek(100).map((row) => store.outbox.toEvent(row).id) };
      store.save(stored.state, stored.state, stored.indexedStatus, [kept]);
      const table = state.storage.sql.exec<{ id: string }>("SELECT id FROM event_outbox ORDER BY seq").toArray().map((row) => row.id);
      return { before, afterRollback, afterSave: store.outbox.peek(100).map((row) => store.outbox.toEvent(row).id), table, kept: kept.id, rolledBack: rolledBack.id };
    });
    expect(outcome.before).toBe(0);
    expect(outcome.afterRollback).toEqual({ held: [], store: [] });
    expect(outcome.afterSave).toEqual([outcome.kept]);
    expect(outcome.table).toEqual([outcome.kept]);
  });
});
