// A workflow run survives the platform dying in the middle: runs wait on a participant
// event (and one on a slow payment) when `wrangler dev` is killed with SIGKILL; after a
// restart the events are sent, every run finishes, and each step's effect happened
// exactly once, as counted by the (seeded, discovered) agents themselves.
import { describe, expect, it } from "vitest";
import { useCrashServer } from "./crash-server.ts";
import { clientFor } from "./http.ts";
import { until } from "./until.ts";

const RUNS = 4;
/** The agents the runs bind: seeded before they start. */
const SEEDS = [["processing_agent", "processor-1"], ["processing_agent", "processor-2"], ["notification_agent", "notifier-1"]] as const;
const order = { order_id: "$.input.order_id" };

const awaitingWorkflow = {
  name: "order_with_confirmation",
  version: "1.0.0",
  input: { required: ["order_id", "amount", "items", "payment"] },
  participants: { processor: { type: "processing_agent" }, notifier: { type: "notification_agent" } },
  flow: [
    { step: "check_inventory", role: "processor", action: "check_inventory", input: { ...order, items: "$.input.items" }, compensation: "release_inventory" },
    { await: "payment_confirmed", role: "processor", event: "payment.confirmed", timeout: 600_000 },
    { step: "process_payment", role: "processor", action: "process_payment", input: { ...order, amount: "$.input.amount", payment: "$.input.payment" }, compensation: "refund_payment" },
    { step: "fulfill_order", role: "processor", action: "fulfill_order", input: order },
    { step: "send_confirmation", role: "notifier", action: "send_confirmation", input: order },
  ],
};

// The slow run's payment hangs for 8 s and is restarted after the crash; its step
// deadline runs on through the restart, so it gets room for a slow machine's restart.
const patientWorkflow = {
  ...awaitingWorkflow,
  name: "patient_order",
  flow: awaitingWorkflow.flow
    .filter((entry) => !("await" in entry))
    .map((entry) => ("step" in entry && entry.step === "process_payment" ? { ...entry, timeout: 120_000, input: { ...entry.input, hang_ms: 8_000 } } : entry)),
};

type Run = { id: string; status: string; bindings: Record<string, string[]>; steps: { name: string; status: string; attempts: number }[] };


describe("workflow runs across a crash", () => {
  const server = useCrashServer("workflow-crash");

  it("finishes every run with each effect applied exactly once", async () => {
    const request = await clientFor(server.current);
    // The runs bind these (discovered once the directory lists them); they count every effect.
    for (const [type, id] of SEEDS) expect((await request("POST", "/v1/agents", { type, id })).status).toBe(201);
    await until("the seeded agents in the directory", async () => {
      const listed = (await request("GET", "/v1/agents?status=running&limit=100")).body as { items: { id: string }[] };
      return SEEDS.every(([, id]) => listed.items.some((entry) => entry.id === id));
    });
    expect((await request("POST", "/v1/workflows", awaitingWorkflow)).status).toBe(201);
    expect((await request("POST", "/v1/workflows", patientWorkflow)).status).toBe(201);
    const waiting: string[] = [];
    for (let n = 0; n < RUNS; n++) {
      const started = await request("POST", "/v1/workflows/order_with_confirmation/runs", { order_id: `w-${n}`, amount: 10, items: 1, payment: "succeed" });
      expect(started.status).toBe(202);
      waiting.push((started.body as Run).id);
    }
    const slow = await request("POST", "/v1/workflows/patient_order/runs", { order_id: "slow", amount: 5, items: 1, payment: "hang" });
    expect(slow.status).toBe(202);
    const slowId = (slow.body as Run).id;
    const get = async (id: string) => (await request("GET", `/v1/runs/${id}`)).body as Run;
    await until("runs waiting on their await", async () => {
      const runs = await Promise.all(waiting.map(get));
      return runs.every((run) => run.steps.find((s) => s.name === "payment_confirmed")?.status === "waiting");
    });
    await until("the slow payment under way", async () => (await get(slowId)).steps.find((s) => s.name === "process_payment")?.status === "running");

    await server.kill();
    await server.restart();

    for (const id of waiting) {
      const signalled = await request("POST", `/v1/runs/${id}/events`, { type: "payment.confirmed", role: "processor", data: { ok: true } });
      expect(signalled.status).toBe(200);
    }
    await until("every run final", async () => {
      const runs = await Promise.all([...waiting, slowId].map(get));
      return runs.every((run) => run.status === "completed");
    });

    // Exactly once across the crash: the seeded agents counted one of each effect per run.
    const states = await Promise.all(SEEDS.map(async ([, id]) => ((await request("GET", `/v1/agents/${id}`)).body as { state: Record<string, number> }).state));
    const total = (key: string) => states.reduce((sum, state) => sum + (state[key] ?? 0), 0);
    const runs = RUNS + 1;
    expect({ reserved: total("reserved"), charged: total("charged"), fulfilled: total("fulfilled"), released: total("released"), refunded: total("refunded"), confirmations: total("confirmations") })
      .toEqual({ reserved: runs, charged: runs, fulfilled: runs, released: 0, refunded: 0, confirmations: runs });
  });
});
