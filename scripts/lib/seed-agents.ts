// The agents `npm start` seeds in the local tenant, so that the built-in order_processing
// and examples/approval-workflow.json (which bind discovered agents) run as the README
// shows: a few of each type, labelled by region. Seeding is idempotent (spawning an
// existing agent answers 200 and changes nothing), and waits until the directory lists
// them, as runs discover them there.

export type Seed = { type: string; id: string; labels: Record<string, string> };

export const LOCAL_SEEDS: readonly Seed[] = [
  { type: "validation_agent", id: "validator-us-1", labels: { region: "us" } },
  { type: "validation_agent", id: "validator-us-2", labels: { region: "us" } },
  { type: "validation_agent", id: "validator-eu-1", labels: { region: "eu" } },
  { type: "processing_agent", id: "processor-us-1", labels: { region: "us" } },
  { type: "processing_agent", id: "processor-us-2", labels: { region: "us" } },
  { type: "processing_agent", id: "processor-eu-1", labels: { region: "eu" } },
  { type: "notification_agent", id: "notifier-us-1", labels: { region: "us" } },
  { type: "notification_agent", id: "notifier-eu-1", labels: { region: "eu" } },
];

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `everyMs` until it holds; false when `withinMs` passed first. */
const poll = async (check: () => Promise<boolean>, withinMs: number, everyMs: number): Promise<boolean> => {
  const end = Date.now() + withinMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return true;
    await pause(everyMs);
  }
  return false;
};

/** Waits for the platform at `base`, spawns the seeds, and waits until the directory lists them running. */
export const seedAgents = async (base: string, token: string, seeds: readonly Seed[] = LOCAL_SEEDS, withinMs = 90_000): Promise<void> => {
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  if (!(await poll(async () => (await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok, withinMs, 250))) {
    throw new Error(`the platform did not answer on ${base} within ${withinMs / 1000} s`);
  }
  for (const seed of seeds) {
    const response = await fetch(`${base}/v1/agents`, { method: "POST", headers, body: JSON.stringify(seed), signal: AbortSignal.timeout(10_000) });
    if (response.status !== 200 && response.status !== 201) throw new Error(`spawning ${seed.id} answered ${response.status}: ${await response.text()}`);
  }
  const types = [...new Set(seeds.map((seed) => seed.type))];
  const listed = await poll(async () => {
    const lists = await Promise.all(
      types.map(async (type) => {
        const response = await fetch(`${base}/v1/agents?type=${type}&status=running&limit=1000`, { headers, signal: AbortSignal.timeout(10_000) });
        return ((await response.json()) as { items?: { id: string }[] }).items?.map((entry) => entry.id) ?? [];
      }),
    );
    const ids = new Set(lists.flat());
    return seeds.every((seed) => ids.has(seed.id));
  }, withinMs, 100);
  if (!listed) throw new Error(`the seeded agents were not all in the directory within ${withinMs / 1000} s`);
};
