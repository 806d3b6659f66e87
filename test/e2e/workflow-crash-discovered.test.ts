// 100 workflow runs bound to discovered (seeded, shared) agents survive a SIGKILL of the
// platform with all of them in flight: every run waits at an await when half of them are
// signalled and `wrangler dev` is killed at once (their payments queued or under way on
// the shared processors); after a restart the other half is signalled, every run
// completes, each effect happened exactly once over the agents' summed counters, and
// the directory still lists every seeded agent.
import { describe, expect, it } from "vitest";
import { useCrashServer } from "./crash-server.ts";
import { type Client, clientFor } from "./http.ts";
import { until } from "./until.ts";

const RUNS = 100;
const SEEDS = [
  ...Array.from({ length: 4 }, (_, i) => ["validation_agent", `validator-${i + 1}`] as const),
  ...Array.from({ length: 6 }, (_, i) => ["processing_agent", `processor-${i + 1}`] as const),
  ...Array.from({ length: 2 }, (_, i) => ["notification_agent", `notifier-${i + 1}`] as const),
];
const order = { order_id: "$.input.order_id" };

/** The built-in order flow with an await before the payment (so every run is in flight on demand) and a short hang in the payment. */
const crashOrder = {
  name: "crash_order",
  version: "1.0.0",
  input: { required: ["order_id", "amount", "items", "payment"] },
  participants: {
    validator: { type: "validation_agent", constraints: { region: "us" } },
    processor: { type: "processing_agent", constraints: { region: "us" }, min_count: 2 },
    notifier: { type: "notification_agent", constraints: { region: "us" } },
  },
  flow: [
    {
      parallel: [
        [{ step: "validate_order", role: "validator", action: "validate", input: { ...order, amount: "$.input.amount", items: "$.input.items" } }],
        [{ step: "check_inventory", role: "processor", action: "check_inventory", input: { ...order, items: "$.input.items" }, compensation: "release_inventory" }],
      ],
    },
    { await: "go", role: "processor", event: "payment.go", timeout: 600_000 },
    { step: "process_payment", role: "processor", action: "process_payment", input: { ...order, amount: "$.input.amount", payment: "$.input.payment", hang_ms: 100 }, timeout: 120_000, compensation: "refund_payment" },
    { step: "fulfill_order", role: "processor", action: "fulfill_order", input: order },
    { step: "send_confirmation", role: "notifier", action: "send_confirmation", input: order },
  ],
};

type Run = { id: string; status: string; bindings: Record<string, string[]>; steps: { name: string; status: string }[] };

/** Runs `op` over `items`, `concurrency` at a time. */
const each = async <T>(items: readonly T[], concurrency: number, op: (item: T) => Promise<void>): Promise<void> => {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await op(items[next++]!);
  }));
};

const signal = (request: Client, id: string) => request("POST", `/v1/runs/${id}/events`, { type: "payment.go", role: "processor" });

describe("discovery-bound workflow runs across a SIGKILL", () => {
  const server = useCrashServer("wf-discovered");

  it("finishes all 100 runs, each effect once, with the directory complete", { timeout: 600_000 }, async () => {
    const request = await clientFor(server.current);
    for (const [type, id] of SEEDS) expect((await request("POST", "/v1/agents", { type, id, labels: { region: "us" } })).status).toBe(201);
    const listsEverySeed = async () => {
      const listed = (await request("GET", "/v1/agents?status=running&label.region=us&limit=100")).body as { items: { id: string }[] };
      return SEEDS.every(([, id]) => listed.items.some((entry) => entry.id === id));
    };
    await until("the seeded agents in the directory", listsEverySeed);
    expect((await request("POST", "/v1/workflows", crashOrder)).status).toBe(201);

    const ids: string[] = [];
    await each(Array.from({ length: RUNS }, (_, n) => n), 8, async (n) => {
      const started = await request("POST", "/v1/workflows/crash_order/runs", { order_id: `c-${n}`, amount: 10, items: 1, payment: "succeed" }, { "idempotency-key": `crash-${n}` });
      expect(started.status).toBe(202);
      ids.push((started.body as Run).id);
    });
    const get = async (id: string) => (await request("GET", `/v1/runs/${id}`)).body as Run;
    const seeded = new Set<string>(SEEDS.map(([, id]) => id));
    await until("every run waiting at its await", async () => {
      const runs: Run[] = [];
      await each(ids, 8, async (id) => void runs.push(await get(id)));
      return runs.every((run) => run.steps.find((s) => s.name === "go")?.status === "waiting");
    }, 180_000, 250);
    // Bound to the seeded agents by discovery, not spawned.
    const views: Run[] = [];
    await each(ids, 8, async (id) => void views.push(await get(id)));
    for (const run of views) for (const agents of Object.values(run.bindings)) for (const agent of agents) expect(seeded.has(agent)).toBe(true);

    // Half the runs go on to their payments (queued on the shared processors, some under way) as the platform dies.
    const [first, second] = [ids.slice(0, RUNS / 2), ids.slice(RUNS / 2)];
    await each(first, 16, async (id) => void expect((await signal(request, id)).status).toBe(200));
    await server.kill();
    await server.restart();

    for (const id of second) expect((await signal(request, id)).status).toBe(200);
    await until("every run final", async () => {
      const runs: Run[] = [];
      await each(ids, 8, async (id) => void runs.push(await get(id)));
      return runs.every((run) => run.status === "completed");
    }, 300_000, 500);

    // Exactly once across the crash, over the shared agents' counters.
    const states = await Promise.all(SEEDS.map(async ([, id]) => ((await request("GET", `/v1/agents/${id}`)).body as { state: Record<string, number> }).state));
    const total = (key: string) => states.reduce((sum, state) => sum + (state[key] ?? 0), 0);
    expect({
      validated: total("validated"), reserved: total("reserved"), charged: total("charged"), fulfilled: total("fulfilled"),
      confirmations: total("confirmations"), released: total("released"), refunded: total("refunded"),
    }).toEqual({ validated: RUNS, reserved: RUNS, charged: RUNS, fulfilled: RUNS, confirmations: RUNS, released: 0, refunded: 0 });
    // The directory after the restart: every seeded agent, running.
    await until("the directory listing every seeded agent after the restart", listsEverySeed);
  });
});
