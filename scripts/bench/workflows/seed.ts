// The agents discovery-bound order runs bind in the workflow benchmark: several labelled
// agents per role (validators, processors and notifiers, `region: us`, as the built-in
// order_processing@1.0.0 asks), so that runs spread over them; and the sum of their
// effect counters, so that a phase can check each effect of its runs happened once
// (shared agents serve many runs: the check is on the totals, not per run).
import { type Client, describe } from "../lib/http.ts";
import { closedLoop, fmt, sleep } from "../lib/stats.ts";

export type SeededAgent = { type: string; id: string };

const ROLES = [
  ["validation_agent", "validator"],
  ["processing_agent", "processor"],
  ["notification_agent", "notifier"],
] as const;

/** Spawns `counts` agents per type (idempotent) and waits, bounded, until the directory lists them all running. */
export const seedOrderAgents = async (client: Client, counts: { validators: number; processors: number; notifiers: number }, tag: string): Promise<SeededAgent[]> => {
  const per = { validation_agent: counts.validators, processing_agent: counts.processors, notification_agent: counts.notifiers };
  const agents = ROLES.flatMap(([type, name]) => Array.from({ length: per[type] }, (_, i) => ({ type, id: `bench-${tag}-${name}-${i + 1}` })));
  const started = performance.now();
  const spawned = await closedLoop({
    concurrency: 8,
    maxCount: agents.length,
    maxMs: 120_000,
    op: async (i) => {
      const agent = agents[i]!;
      for (let attempt = 1; ; attempt++) {
        const reply = await client.post("/v1/agents", { ...agent, labels: { region: "us" } });
        if (reply.status === 201 || reply.status === 200) return { ok: true, ms: reply.ms };
        if (attempt >= 5 || ![0, 429, 503].includes(reply.status)) return { ok: false, ms: reply.ms, error: `${agent.id}: ${describe(reply)}` };
        await sleep(250 * attempt);
      }
    },
  });
  if (spawned.ok !== agents.length) throw new Error(`seeding: ${spawned.ok}/${agents.length} spawned; ${spawned.firstErrors.join(" | ")}`);
  const ids = new Set(agents.map((a) => a.id));
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    const listed = new Set<string>();
    for (const [type] of ROLES) {
      const reply = await client.get(`/v1/agents?type=${type}&status=running&label.region=us&limit=1000`);
      if (reply.status === 200) for (const item of (JSON.parse(reply.body) as { items: { id: string }[] }).items) listed.add(item.id);
    }
    if ([...ids].every((id) => listed.has(id))) {
      console.log(`seeded ${agents.length} agents (${counts.validators} validators, ${counts.processors} processors, ${counts.notifiers} notifiers, region us) in ${fmt((performance.now() - started) / 1000, 1)}s`);
      return agents;
    }
    await sleep(200);
  }
  throw new Error("seeding: the directory did not list every seeded agent within 60 s");
};

/** The effect counters the order runs move, summed over the agents. */
export type EffectTotals = Record<"validated" | "reserved" | "charged" | "fulfilled" | "released" | "refunded" | "confirmations" | "failures", number>;
const KEYS: (keyof EffectTotals)[] = ["validated", "reserved", "charged", "fulfilled", "released", "refunded", "confirmations", "failures"];

/** The sum of each counter over `agents` (their states); throws when one cannot be read. */
export const effectTotals = async (client: Client, agents: readonly SeededAgent[]): Promise<EffectTotals> => {
  const totals = Object.fromEntries(KEYS.map((key) => [key, 0])) as EffectTotals;
  for (const agent of agents) {
    const reply = await client.get(`/v1/agents/${encodeURIComponent(agent.id)}`);
    if (reply.status !== 200) throw new Error(`reading ${agent.id}: ${describe(reply)}`);
    const state = (JSON.parse(reply.body) as { state: Record<string, unknown> }).state;
    for (const key of KEYS) if (typeof state[key] === "number") totals[key] += state[key];
  }
  return totals;
};

/**
 * What completed order runs should add to the seeded agents' totals: each effect once per
 * run whose step ran on a seeded agent (the built-in's notifier role has no constraints,
 * so a run may bind a notification agent another run spawned: its confirmation is not
 * in these totals). Steps as order_processing spreads them: check_inventory and
 * fulfill_order on the first processor, process_payment on the second.
 */
export const expectedEffects = (completed: readonly { bindings: Record<string, string[]> }[], seeded: readonly SeededAgent[]): Partial<EffectTotals> & { elsewhere: number } => {
  const ids = new Set(seeded.map((agent) => agent.id));
  const on = (id: string | undefined) => (id !== undefined && ids.has(id) ? 1 : 0);
  const want = { validated: 0, reserved: 0, charged: 0, fulfilled: 0, confirmations: 0, released: 0, refunded: 0, elsewhere: 0 };
  for (const { bindings } of completed) {
    const [p1, p2] = bindings.processor ?? [];
    want.validated += on(bindings.validator?.[0]);
    want.reserved += on(p1);
    want.fulfilled += on(p1);
    want.charged += on(p2);
    want.confirmations += on(bindings.notifier?.[0]);
    if (!on(bindings.validator?.[0]) || !on(p1) || !on(p2) || !on(bindings.notifier?.[0])) want.elsewhere++;
  }
  return want;
};

/** Whether the totals moved by exactly `want` (each effect once; nothing released or refunded): null when they did, else what differs. */
export const effectsOnce = (before: EffectTotals, after: EffectTotals, expected: Partial<EffectTotals> & { elsewhere?: number }): string | null => {
  const { elsewhere: _elsewhere, ...want } = expected;
  const wrong = Object.entries(want)
    .filter(([key, value]) => after[key as keyof EffectTotals] - before[key as keyof EffectTotals] !== value)
    .map(([key, value]) => `${key} +${after[key as keyof EffectTotals] - before[key as keyof EffectTotals]} (expected +${value})`);
  return wrong.length === 0 ? null : wrong.join(", ");
};
