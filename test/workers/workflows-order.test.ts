// The built-in order_processing workflow through the HTTP API, one fresh tenant per
// test: the payment succeeds, is declined, fails; a validation failure is retried 3
// times; processor steps are spread over the role's two agents; each effect is counted
// once by the agents themselves; the runs index (newest first, stable cursors, also
// after an upgrade of an index written before) and the `workflow` stream follow.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { workflowRegistryName } from "../../src/platform/workflow/naming.ts";
import { type Body } from "./http.ts";
import { agentState, type Client, clientOf, eventually, orderClient, finished, order, roleTotals, startRun, stepOf, workflowEvents, workflowStreamOf } from "./workflows.ts";

/** Newest first: later start first; the same millisecond, greater id first. */
const newestFirst = (runs: Body[]): string[] =>
  [...runs].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : -1)).map((run) => run.id);

const listed = (client: Client, count: number) =>
  eventually(`${count} runs in the index`, () => client.send("GET", "/v1/runs?limit=100"), (reply) => reply.body.items?.length === count);

const statuses = (run: Body): Record<string, string> => Object.fromEntries(run.steps.map((s: Body) => [s.name, s.status]));

describe("order_processing", () => {
  it("payment succeeds: completes through the true branch, each effect once", async () => {
    const client = await orderClient();
    const input = order("succeed");
    const started = await startRun(client, "order_processing", input);
    expect(started).toMatchObject({ workflow: "order_processing", version: "1.0.0", status: "running", input });
    const run = await finished(client, started.id);

    expect(run.status).toBe("completed");
    expect(statuses(run)).toEqual({
      validate_order: "completed",
      check_inventory: "completed",
      process_payment: "completed",
      fulfill_order: "completed",
      send_confirmation: "completed",
      cancel_order: "skipped",
      notify_failure: "skipped",
    });
    expect(run.failure).toBeNull();
    expect(run.context.steps.process_payment.output).toEqual({ success: true, charge_id: `ch_${input.order_id}` });
    expect(run.steps.every((s: Body) => s.status === "skipped" || s.attempts === 1)).toBe(true);
    expect(await roleTotals(client, run, "validator")).toEqual({ validated: 1 });
    expect(await roleTotals(client, run, "processor")).toEqual({ reserved: 1, released: 0, charged: 1, refunded: 0, fulfilled: 1, cancelled: 0 });
    expect(await roleTotals(client, run, "notifier")).toEqual({ confirmations: 1, failures: 0, alerts: 0 });
  });

  it("payment declined: takes the false branch, cancels and notifies, and completes", async () => {
    const client = await orderClient();
    const run = await finished(client, (await startRun(client, "order_processing", order("decline"))).id);
    expect(run.status).toBe("completed");
    expect(statuses(run)).toMatchObject({ process_payment: "completed", fulfill_order: "skipped", send_confirmation: "skipped", cancel_order: "completed", notify_failure: "completed" });
    expect(run.context.steps.process_payment.output).toEqual({ success: false, charge_id: null });
    expect(await roleTotals(client, run, "processor")).toEqual({ reserved: 1, released: 0, charged: 0, refunded: 0, fulfilled: 0, cancelled: 1 });
    expect(await roleTotals(client, run, "notifier")).toEqual({ confirmations: 0, failures: 1, alerts: 0 });
  });

  it("payment fails: compensated; the inventory is released once and nothing is refunded (nothing was charged)", async () => {
    const client = await orderClient();
    const run = await finished(client, (await startRun(client, "order_processing", order("fail"))).id);
    expect(run.status).toBe("compensated");
    expect(run.failure).toMatchObject({ step: "process_payment", type: "payment_failed", outcome: "failed" });
    expect(stepOf(run, "process_payment")).toMatchObject({ status: "failed", attempts: 1, error: { type: "payment_failed" }, compensation: null });
    expect(stepOf(run, "check_inventory").compensation).toMatchObject({ status: "completed", attempts: 1 });
    expect(statuses(run)).toMatchObject({ fulfill_order: "skipped", send_confirmation: "skipped", cancel_order: "skipped", notify_failure: "skipped" });
    expect(await roleTotals(client, run, "processor")).toEqual({ reserved: 1, released: 1, charged: 0, refunded: 0, fulfilled: 0, cancelled: 0 });
    expect(await roleTotals(client, run, "notifier")).toEqual({ confirmations: 0, failures: 0, alerts: 0 });
  });

  it("a validation failure is retried 3 times (4 attempts), then the run compensates", async () => {
    const client = await orderClient();
    const run = await finished(client, (await startRun(client, "order_processing", order("succeed", { amount: 0 }))).id);
    expect(run.status).toBe("compensated");
    expect(stepOf(run, "validate_order")).toMatchObject({ status: "failed", attempts: 4, error: { type: "validation_failed" } });
    expect(run.failure).toMatchObject({ step: "validate_order", type: "validation_failed" });
    expect(statuses(run)).toMatchObject({ check_inventory: "completed", process_payment: "skipped" });
    expect(await roleTotals(client, run, "validator")).toEqual({ validated: 0 });
    expect(await roleTotals(client, run, "processor")).toMatchObject({ reserved: 1, released: 1, charged: 0 });
    const retries = (await eventually("the run's events", () => workflowEvents(client, run.id), (events) => events.some((e) => e.type === "workflow.run.compensated")))
      .filter((e) => e.type === "workflow.step.retrying")
      .map((e) => [e.data.step, e.data.attempt, e.data.error]);
    expect(retries).toEqual([
      ["validate_order", 1, "validation_failed"],
      ["validate_order", 2, "validation_failed"],
      ["validate_order", 3, "validation_failed"],
    ]);
  });

  it("min_count 2 spreads the processor's steps over two agents, round-robin", async () => {
    const client = await orderClient();
    const run = await finished(client, (await startRun(client, "order_processing", order("succeed"))).id);
    const [first, second] = run.bindings.processor;
    expect([...run.bindings.processor].sort()).toEqual(["processing_agent-1", "processing_agent-2"]);
    expect(run.bindings.validator).toEqual(["validation_agent-1"]);
    expect(run.bindings.notifier).toEqual(["notification_agent-1"]);
    expect([stepOf(run, "check_inventory").agent, stepOf(run, "process_payment").agent, stepOf(run, "fulfill_order").agent]).toEqual([first, second, first]);
    expect(await agentState(client, first)).toEqual({ reserved: 1, released: 0, charged: 0, refunded: 0, fulfilled: 1, cancelled: 0, open_charges: [] });
    expect(await agentState(client, second)).toEqual({ reserved: 0, released: 0, charged: 1, refunded: 0, fulfilled: 0, cancelled: 0, open_charges: [expect.any(String)] });
  });

  it("publishes workflow.run.* and workflow.step.* transitions on the run shard's `workflow.<k>` stream, in order", async () => {
    const client = await orderClient();
    const run = await finished(client, (await startRun(client, "order_processing", order("succeed"))).id);
    const events = await eventually("the run's events", () => workflowEvents(client, run.id), (list) => list.some((e) => e.type === "workflow.run.completed"));
    expect(events[0]).toMatchObject({ type: "workflow.run.started", source: `workflow/order_processing/${run.id}`, subject: run.id, stream: workflowStreamOf(run.id), tenant: client.tenant });
    expect(events[0].data).toMatchObject({ run: run.id, workflow: "order_processing", version: "1.0.0", bindings: run.bindings, roles: run.roles });
    expect(events.at(-1)).toMatchObject({ type: "workflow.run.completed", data: { run: run.id, workflow: "order_processing" } });
    expect(events.every((e) => /^workflow\.(run|step|branch)\./.test(e.type))).toBe(true);
    const of = (type: string) => events.filter((e) => e.type === type).map((e) => e.data.step);
    expect(of("workflow.step.started").sort()).toEqual(["check_inventory", "fulfill_order", "process_payment", "send_confirmation", "validate_order"]);
    expect(of("workflow.step.completed").sort()).toEqual(["check_inventory", "fulfill_order", "process_payment", "send_confirmation", "validate_order"]);
    expect(of("workflow.step.skipped").sort()).toEqual(["cancel_order", "notify_failure"]);
    expect(events.find((e) => e.type === "workflow.branch.chosen").data).toMatchObject({ value: true, case: 0 });
    const sequences = events.map((e) => e.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
  });

  it("lists runs by workflow and status", async () => {
    const client = await orderClient();
    const ok = [await startRun(client, "order_processing", order("succeed")), await startRun(client, "order_processing", order("decline"))];
    const failed = await startRun(client, "order_processing", order("fail"));
    for (const run of [...ok, failed]) await finished(client, run.id);
    const list = (query: string) => client.send("GET", `/v1/runs${query}`);
    const completed = await eventually("the index of completed runs", () => list("?workflow=order_processing&status=completed"), (reply) => reply.body.items?.length === 2);
    expect(completed.body.items.map((r: Body) => r.id).sort()).toEqual(ok.map((r) => r.id).sort());
    expect(completed.body.items[0]).toEqual({ id: expect.any(String), workflow: "order_processing", version: "1.0.0", status: "completed", createdAt: expect.any(String), updatedAt: expect.any(String) });
    const compensated = await eventually("the index of compensated runs", () => list("?status=compensated"), (reply) => reply.body.items?.length === 1);
    expect(compensated.body.items[0]).toMatchObject({ id: failed.id, status: "compensated" });
    expect((await list("?workflow=order_processing")).body.items).toHaveLength(3);
    expect((await list("?workflow=other_flow")).body).toEqual({ items: [], next: null });
    expect((await list("?status=running")).body.items).toEqual([]);
    const page = await list("?workflow=order_processing&limit=2");
    expect(page.body.items).toHaveLength(2);
    expect((await list(`?workflow=order_processing&limit=2&cursor=${encodeURIComponent(page.body.next)}`)).body.items).toHaveLength(1);
    const bad = await list("?status=finished");
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: Body) => e.path)).toEqual(["query.status"]);
  });

  it("lists runs newest first (by start time); a cursor stays put when newer runs start", async () => {
    const client = await orderClient();
    const started: Body[] = [];
    for (let n = 0; n < 5; n++) started.push(await startRun(client, "order_processing", order("succeed")));
    const expected = newestFirst(started);
    expect((await listed(client, 5)).body.items.map((r: Body) => r.id)).toEqual(expected);

    const first = await client.send("GET", "/v1/runs?limit=2");
    expect(first.body.items.map((r: Body) => r.id)).toEqual(expected.slice(0, 2));
    const newer = await startRun(client, "order_processing", order("succeed"));
    await listed(client, 6);
    const second = await client.send("GET", `/v1/runs?limit=2&cursor=${encodeURIComponent(first.body.next)}`);
    expect(second.body.items.map((r: Body) => r.id)).toEqual(expected.slice(2, 4));
    const third = await client.send("GET", `/v1/runs?limit=2&cursor=${encodeURIComponent(second.body.next)}`);
    expect(third.body).toEqual({ items: expect.any(Array), next: null });
    expect(third.body.items.map((r: Body) => r.id)).toEqual(expected.slice(4));
    expect((await client.send("GET", "/v1/runs?limit=1")).body.items[0].id).toBe(newer.id);
    const bad = await client.send("GET", "/v1/runs?cursor=bm90LWEtY3Vyc29y");
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: Body) => e.path)).toEqual(["query.cursor"]);
  });

  it("an index written before runs had start times is upgraded when its object starts: listed newest first", async () => {
    const client = await orderClient();
    const registry = env.WORKFLOWS.get(env.WORKFLOWS.idFromName(workflowRegistryName(client.tenant)));
    const summary = (id: string, createdAt: string) => ({ id, workflow: "order_processing", version: "1.0.0", status: "completed", createdAt, updatedAt: createdAt });
    // The old layout; neither id order (either way) is start-time order.
    await runInDurableObject(registry, (_instance, state) => {
      state.storage.sql.exec("DROP TABLE runs");
      state.storage.sql.exec("CREATE TABLE runs (id TEXT PRIMARY KEY, workflow TEXT NOT NULL, status TEXT NOT NULL, summary TEXT NOT NULL)");
      // Finished within the index's retention (7 days by default), or they would not be listed.
    const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    for (const run of [summary("run_a", ago(20)), summary("run_b", ago(30)), summary("run_c", ago(10))]) {
        state.storage.sql.exec("INSERT INTO runs (id, workflow, status, summary) VALUES (?, ?, ?, ?)", run.id, run.workflow, run.status, JSON.stringify(run));
      }
    });
    await runInDurableObject(registry, (_instance, state) => state.abort("restarted by test")).catch(() => undefined);
    const reply = await client.send("GET", "/v1/runs");
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.items.map((r: Body) => r.id)).toEqual(["run_c", "run_a", "run_b"]);
    const run = await startRun(client, "order_processing", order("succeed"));
    expect((await listed(client, 4)).body.items.map((r: Body) => r.id)).toEqual([run.id, "run_c", "run_a", "run_b"]);
  });
});
