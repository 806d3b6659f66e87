// Runs that wait: a payment that hangs past its step timeout (a registered variant of
// order_processing), an await completed by a participant event (also one sent early,
// which is buffered), events nothing awaits (409), an await that times out, and
// cancelling a run while it waits or while a step's call is under way. Deadlines live on
// the run's alarm; the tests poll (bounded) and may fire the alarm themselves.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Body, expectProblem } from "./http.ts";
import { type Client, orderClient, eventually, FINAL, fireAlarm, order, register, roleTotals, runOf, runStub, startRun, stepOf, stepReaches, workflowEvents } from "./workflows.ts";

const ref = { order_id: "$.input.order_id" };

/**
 * order_processing@1.0.1: the built-in flow as the API shows it, but the payment step
 * has `timeout` ms and a `hang` payment takes `hang_ms` (the built-in's 30 s and 35 s,
 * shortened so the test is quick).
 */
const variant = async (client: Client, timeout: number, hang_ms: number) => {
  const reply = await client.send("GET", "/v1/workflows/order_processing");
  expect(reply.body.versions).toEqual(["1.0.0"]);
  const definition = reply.body.latest;
  const payment = definition.flow[1];
  expect(payment).toMatchObject({ step: "process_payment", timeout: 30_000 });
  return { ...definition, version: "1.0.1", flow: [definition.flow[0], { ...payment, timeout, input: { ...payment.input, hang_ms } }, ...definition.flow.slice(2)] };
};

/** The payment times out after 300 ms; the hanging charge lands after 1 s. */
const impatient = (client: Client) => variant(client, 300, 1_000);

/** Reserve, wait for `order.approved` from the processor, then charge and fulfil. */
const approval = (timeout = 600_000) => ({
  name: "order_with_approval",
  version: "1.0.0",
  input: { required: ["order_id", "amount", "items", "payment"] },
  participants: { processor: { type: "processing_agent" }, notifier: { type: "notification_agent" } },
  flow: [
    { step: "check_inventory", role: "processor", action: "check_inventory", input: { ...ref, items: "$.input.items" }, compensation: "release_inventory" },
    { await: "approved", role: "processor", event: "order.approved", timeout },
    { step: "process_payment", role: "processor", action: "process_payment", input: { ...ref, amount: "$.steps.approved.output.amount", payment: "$.input.payment" }, compensation: "refund_payment" },
    { step: "fulfill_order", role: "processor", action: "fulfill_order", input: ref },
  ],
  error_handling: { on_timeout: { role: "notifier", action: "alert_operator", input: ref } },
});

/** Waits for the run to be final, firing its alarm between polls so deadlines are applied. */
const settle = (client: Client, id: string): Promise<Body> =>
  eventually(
    `run ${id} to finish`,
    async () => {
      const run = await runOf(client, id);
      if (!FINAL.includes(run.status)) await fireAlarm(client.tenant, id);
      return run;
    },
    (run) => FINAL.includes(run.status),
  );

describe("a payment that hangs past its step timeout", () => {
  it("times the run out: alert_operator runs once, the inventory is released, and the late charge is refunded", async () => {
    const client = await orderClient();
    await register(client, await impatient(client));
    const started = await startRun(client, "order_processing", order("hang"));
    expect(started.version).toBe("1.0.1");
    const run = await settle(client, started.id);

    expect(run.status).toBe("timed_out");
    expect(run.failure).toMatchObject({ step: "process_payment", type: "timeout", outcome: "timed_out" });
    expect(stepOf(run, "process_payment")).toMatchObject({ status: "timed_out", attempts: 1, output: null, error: { type: "timeout" } });
    // A step that timed out may have had its effect, so it is compensated too, with no output.
    expect(stepOf(run, "process_payment").compensation).toMatchObject({ status: "completed", attempts: 1 });
    expect(stepOf(run, "check_inventory").compensation).toMatchObject({ status: "completed", attempts: 1 });
    expect(run.onTimeout).toMatchObject({ status: "completed", attempts: 1 });
    expect(["fulfill_order", "send_confirmation", "cancel_order", "notify_failure"].map((name) => stepOf(run, name).status)).toEqual(["skipped", "skipped", "skipped", "skipped"]);
    expect(await roleTotals(client, run, "notifier")).toEqual({ confirmations: 0, failures: 0, alerts: 1 });
    // The hanging call went on in the agent and charged; the refund ran after it (the
    // agent serialises its calls) and found the charge in the agent's own record.
    expect(await roleTotals(client, run, "processor")).toEqual({ reserved: 1, released: 1, charged: 1, refunded: 1, fulfilled: 0, cancelled: 0 });

    const events = await eventually("the run's events", () => workflowEvents(client, run.id), (list) => list.some((e) => e.type === "workflow.run.timed_out"));
    const types = events.map((e) => e.type);
    expect(types.indexOf("workflow.on_timeout.started")).toBeLessThan(types.indexOf("workflow.run.compensating"));
    expect(types.filter((t) => t === "workflow.on_timeout.started")).toHaveLength(1);
    expect(events.filter((e) => e.type === "workflow.step.compensated").map((e) => e.data.step)).toEqual(["process_payment", "check_inventory"]);
  });
});

describe("await", () => {
  it("completes from a participant event sent to the run, with the event's data as its output", async () => {
    const client = await orderClient();
    await register(client, approval());
    const started = await startRun(client, "order_with_approval", order("succeed"));
    await stepReaches(client, started.id, "approved", "waiting");
    const early = await runOf(client, started.id);
    expect(stepOf(early, "approved").deadline).toEqual(expect.any(String));

    const signalled = await client.send("POST", `/v1/runs/${started.id}/events`, { type: "order.approved", role: "processor", data: { amount: 30 } });
    expect(signalled.status, signalled.text).toBe(200);
    expect(signalled.body).toMatchObject({ status: "delivered", await: "approved" });
    expect(stepOf(signalled.body.run, "approved")).toMatchObject({ status: "completed", output: { amount: 30 } });
    const run = await settle(client, started.id);
    expect(run.status).toBe("completed");
    expect(run.context.steps.approved.output).toEqual({ amount: 30 });
    expect(await roleTotals(client, run, "processor")).toEqual({ reserved: 1, released: 0, charged: 1, refunded: 0, fulfilled: 1, cancelled: 0 });
  });

  it("refuses an event nothing awaits (another type, or another role) with 409 naming what it awaits, and changes nothing", async () => {
    const client = await orderClient();
    await register(client, approval());
    const started = await startRun(client, "order_with_approval", order("succeed"));
    const before = await stepReaches(client, started.id, "approved", "waiting");

    const unrelated = expectProblem(await client.send("POST", `/v1/runs/${started.id}/events`, { type: "order.shipped", data: {} }), 409, "conflict");
    expect(unrelated).toMatchObject({
      code: "not-awaited",
      detail: `Nothing in run '${started.id}' awaits 'order.shipped'; it awaits: 'approved' takes 'order.approved' from role 'processor'.`,
    });
    const otherRole = expectProblem(await client.send("POST", `/v1/runs/${started.id}/events`, { type: "order.approved", role: "notifier", data: { amount: 1 } }), 409, "conflict");
    expect(otherRole).toMatchObject({ code: "not-awaited", detail: expect.stringContaining("awaits 'order.approved' from role 'notifier'") });

    const after = await runOf(client, started.id);
    expect(after.steps).toEqual(before.steps);
    expect(after.updatedAt).toBe(before.updatedAt);
  });

  it("survives a restart of its coordinator while it waits: reloaded from storage, it completes on the event", async () => {
    const client = await orderClient();
    await register(client, approval());
    const started = await startRun(client, "order_with_approval", order("succeed"));
    await stepReaches(client, started.id, "approved", "waiting");
    await runInDurableObject(runStub(client.tenant, started.id), (_instance, state) => state.abort("restarted by test")).catch(() => undefined);
    const reloaded = await runOf(client, started.id);
    expect(stepOf(reloaded, "approved").status).toBe("waiting");
    expect((await client.send("POST", `/v1/runs/${started.id}/events`, { type: "order.approved", data: { amount: 9 } })).status).toBe(200);
    const run = await settle(client, started.id);
    expect(run.status).toBe("completed");
    expect(await roleTotals(client, run, "processor")).toEqual({ reserved: 1, released: 0, charged: 1, refunded: 0, fulfilled: 1, cancelled: 0 });
  });

  it("completes from an event that arrived before the await opened", async () => {
    const client = await orderClient();
    const definition = approval();
    // Two awaits in a row: the second's event is sent while the first still waits.
    definition.flow.splice(2, 0, { await: "paid_ok", role: "processor", event: "order.paid_ok", timeout: 600_000 });
    await register(client, definition);
    const started = await startRun(client, "order_with_approval", order("succeed"));
    await stepReaches(client, started.id, "approved", "waiting");
    const early = await client.send("POST", `/v1/runs/${started.id}/events`, { type: "order.paid_ok", data: { early: true } });
    expect(early.status, early.text).toBe(202);
    expect(early.body).toMatchObject({ status: "buffered", await: "paid_ok" });
    expect(stepOf(early.body.run, "paid_ok").status).toBe("pending");
    // One buffered event per await: a second has nothing to wait for it.
    const twice = expectProblem(await client.send("POST", `/v1/runs/${started.id}/events`, { type: "order.paid_ok", data: { again: true } }), 409, "conflict");
    expect(twice.code).toBe("not-awaited");
    expect((await client.send("POST", `/v1/runs/${started.id}/events`, { type: "order.approved", data: { amount: 5 } })).status).toBe(200);
    const run = await settle(client, started.id);
    expect(run.status).toBe("completed");
    expect(stepOf(run, "paid_ok")).toMatchObject({ status: "completed", output: { early: true } });
  });

  it("times out: on_timeout alerts once, the reservation is released, the run ends timed_out", async () => {
    const client = await orderClient();
    await register(client, approval(200));
    const started = await startRun(client, "order_with_approval", order("succeed"));
    const run = await settle(client, started.id);
    expect(run.status).toBe("timed_out");
    expect(stepOf(run, "approved")).toMatchObject({ status: "timed_out", error: { type: "timeout" } });
    expect(stepOf(run, "process_payment").status).toBe("skipped");
    expect(await roleTotals(client, run, "notifier")).toEqual({ confirmations: 0, failures: 0, alerts: 1 });
    expect(await roleTotals(client, run, "processor")).toMatchObject({ reserved: 1, released: 1, charged: 0 });
  });

  it("cancelling a run that waits compensates what finished and ends cancelled; a late event changes nothing", async () => {
    const client = await orderClient();
    await register(client, approval());
    const started = await startRun(client, "order_with_approval", order("succeed"));
    await stepReaches(client, started.id, "approved", "waiting");
    const cancelled = await client.send("POST", `/v1/runs/${started.id}/cancel`);
    expect(cancelled.status, cancelled.text).toBe(202);
    expect(cancelled.body.status).toBe("cancelling");
    expect(cancelled.body.failure).toMatchObject({ type: "cancelled", outcome: "cancelled" });
    expect(stepOf(cancelled.body, "check_inventory").compensation).toMatchObject({ status: "running", attempts: 1 });
    const run = await settle(client, started.id);
    expect(run.status).toBe("cancelled");
    expect(stepOf(run, "check_inventory").compensation).toMatchObject({ status: "completed", attempts: 1 });
    expect(stepOf(run, "approved").status).toBe("skipped");
    expect(await roleTotals(client, run, "processor")).toEqual({ reserved: 1, released: 1, charged: 0, refunded: 0, fulfilled: 0, cancelled: 0 });

    const late = expectProblem(await client.send("POST", `/v1/runs/${started.id}/events`, { type: "order.approved", data: { amount: 5 } }), 409, "conflict");
    expect(late).toMatchObject({ code: "run-ended", detail: `Run '${started.id}' has ended (cancelled); it takes no more events.` });
    const again = expectProblem(await client.send("POST", `/v1/runs/${started.id}/cancel`), 409, "conflict");
    expect(again).toMatchObject({ code: "run-ended", detail: `Run '${started.id}' has ended (cancelled); there is nothing to cancel.` });
    expect(stepOf(await runOf(client, started.id), "approved").status).toBe("skipped");
    expect((await roleTotals(client, run, "processor")).released).toBe(1);
  });
});

describe("cancelling while a step's call is under way", () => {
  it("answers 202 cancelling at once: the step ends cancelled, its compensation starts without waiting for the call, and the run ends cancelled", async () => {
    const client = await orderClient();
    // No step timeout to wait for; the payment's call takes 4 s.
    await register(client, await variant(client, 600_000, 4_000));
    const started = await startRun(client, "order_processing", order("hang"));
    await stepReaches(client, started.id, "process_payment", "running");

    const cancelled = await client.send("POST", `/v1/runs/${started.id}/cancel`);
    expect(cancelled.status, cancelled.text).toBe(202);
    expect(cancelled.body.status).toBe("cancelling");
    expect(stepOf(cancelled.body, "process_payment")).toMatchObject({ status: "cancelled", deadline: null });
    // Its effect may happen (the call goes on in the agent): it is undone first, at once.
    expect(stepOf(cancelled.body, "process_payment").compensation).toMatchObject({ status: "running", attempts: 1 });

    const run = await settle(client, started.id);
    expect(run.status).toBe("cancelled");
    expect(stepOf(run, "process_payment").compensation).toMatchObject({ status: "completed", attempts: 1 });
    expect(stepOf(run, "check_inventory").compensation).toMatchObject({ status: "completed", attempts: 1 });
    // The agent does one action at a time: the refund ran after the late charge and found it.
    expect(await roleTotals(client, run, "processor")).toEqual({ reserved: 1, released: 1, charged: 1, refunded: 1, fulfilled: 0, cancelled: 0 });
    const events = await eventually("the run's events", () => workflowEvents(client, run.id), (list) => list.some((e) => e.type === "workflow.run.cancelled"));
    const about = (step: string) => events.filter((e) => e.data.step === step).map((e) => e.type);
    // The late answer changed nothing: the step never completed.
    expect(about("process_payment")).toEqual(["workflow.step.started", "workflow.step.cancelled", "workflow.step.compensating", "workflow.step.compensated"]);
    expect(events.map((e) => e.type)).toContain("workflow.run.cancelling");
  });
});
