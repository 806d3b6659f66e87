// The README's `await` example, examples/approval-workflow.json, exactly as the file
// has it: registered, started, waiting for the approver's `order.approved`, resumed by
// that signal, and completed; a finished run then refuses a cancel and an event (409).
import { describe, expect, it } from "vitest";
import approvalWorkflow from "../../examples/approval-workflow.json";
import { expectProblem } from "./http.ts";
import { orderClient, finished, seedAgents, register, roleTotals, runOf, startRun, stepOf, stepReaches } from "./workflows.ts";

describe("examples/approval-workflow.json", () => {
  it("registers, waits at its await, resumes on the approver's signal, and completes", async () => {
    const client = await orderClient();
    // The example's processor is constrained to region eu.
    await seedAgents(client, "processing_agent", 1, { region: "eu" }, "eu");
    const registered = await register(client, approvalWorkflow);
    expect(registered).toMatchObject({ name: "order_approval", version: "1.0.0" });

    const started = await startRun(client, "order_approval", { order_id: "o-2", amount: 10, items: 1 });
    const waiting = await stepReaches(client, started.id, "approval", "waiting");
    expect(stepOf(waiting, "reserve").status).toBe("completed");
    expect(stepOf(waiting, "ask_approval").status).toBe("completed");
    expect(stepOf(waiting, "charge").status).toBe("pending");

    const signalled = await client.send("POST", `/v1/runs/${started.id}/events`, { type: "order.approved", role: "approver", data: { by: "ops" } });
    expect(signalled.status, signalled.text).toBe(200);
    expect(signalled.body).toMatchObject({ status: "delivered", await: "approval", run: { id: started.id } });

    const run = await finished(client, started.id);
    expect(run.status).toBe("completed");
    expect(run.context.steps.approval.output).toEqual({ by: "ops" });
    expect(await roleTotals(client, run, "processor")).toEqual({ reserved: 1, released: 0, charged: 1, refunded: 0, fulfilled: 1, cancelled: 0 });
    expect(await roleTotals(client, run, "approver")).toEqual({ confirmations: 1, failures: 0, alerts: 1 });

    const cancel = expectProblem(await client.send("POST", `/v1/runs/${started.id}/cancel`), 409, "conflict");
    expect(cancel).toMatchObject({ code: "run-ended", detail: `Run '${started.id}' has ended (completed); there is nothing to cancel.` });
    const late = expectProblem(await client.send("POST", `/v1/runs/${started.id}/events`, { type: "order.approved", role: "approver" }), 409, "conflict");
    expect(late).toMatchObject({ code: "run-ended" });
    expect((await runOf(client, started.id)).updatedAt).toBe(run.updatedAt);
  });
});
