// Runs bind through discovery answers read from the tiered cache (bounded by
// JIDO_DISCOVERY_MAX_STALENESS_MS, 2 s here as deployed): within the bound a run gets the
// cached answer, even one naming an agent stopped since (its step moves to a spare, the
// effect happens once); after the bound a run sees an agent spawned meanwhile. The
// discovery API itself answers fresh.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { discoveryStalenessMs } from "../../src/platform/discovery/binding-cache.ts";
import type { Body } from "./http.ts";
import { agentState, clientOf, type Client, eventually, finished, register, seedAgents, startRun, stepOf } from "./workflows.ts";

const BOUND_MS = discoveryStalenessMs(env.JIDO_DISCOVERY_MAX_STALENESS_MS);

const gated = {
  name: "gated_work",
  version: "1.0.0",
  participants: { worker: { type: "flaky" } },
  flow: [
    { await: "go", role: "worker", event: "work.go" },
    { step: "work", role: "worker", action: "work", input: { mode: "ok" }, retry: 2, backoff_ms: 0 },
  ],
};

/** Every agent a run's answer named for the role: those bound and the spares. */
const named = (run: Body, role = "worker"): string[] => [...run.roles[role].agents, ...run.roles[role].spares].map((a: Body) => a.id).sort();

const running = async (client: Client): Promise<string[]> =>
  ((await client.send("GET", "/v1/agents?type=flaky&status=running&limit=100")).body.items as Body[]).map((a) => a.id).sort();

describe("run bindings read discovery through the cache", () => {
  /** One try on a fresh tenant: a first run fills the cache, flaky-1 stops, then runs start until one binds flaky-1; undefined when the tries outlasted the bound (a slow machine), so that their answers need not be the cached one. */
  const bindWithinBound = async (): Promise<{ client: Client; runs: Body[] } | undefined> => {
    const client = await clientOf();
    await seedAgents(client, "flaky", 2);
    await register(client, gated);
    const began = Date.now();
    const first = await startRun(client, "gated_work", {});
    expect(named(first)).toEqual(["flaky-1", "flaky-2"]);

    expect((await client.send("POST", "/v1/agents/flaky-1/stop")).status).toBe(200);
    await eventually("flaky-1 no longer listed running", () => running(client), (ids) => !ids.includes("flaky-1"), 200);
    // The discovery API answers fresh: only the running agent.
    const fresh = await client.send("POST", "/v1/discovery/query", { type: "flaky" });
    expect(fresh.body.items.map((item: Body) => item.agent.id)).toEqual(["flaky-2"]);

    // Each run binds flaky-1 or flaky-2 at random: start more until one binds the stopped agent.
    const runs = await Promise.all(Array.from({ length: 10 }, () => startRun(client, "gated_work", {})));
    while (!runs.some((run) => run.bindings.worker[0] === "flaky-1") && runs.length < 40) runs.push(await startRun(client, "gated_work", {}));
    return Date.now() - began < BOUND_MS ? { client, runs } : undefined;
  };

  it("within the bound a run is answered from the cache, even naming an agent stopped since: its step moves to the spare, each effect once", async () => {
    expect(BOUND_MS).toBeGreaterThan(0);
    let within: Awaited<ReturnType<typeof bindWithinBound>>;
    for (let attempt = 0; attempt < 3 && !within; attempt++) within = await bindWithinBound();
    expect(within, "three tries each outlasted the staleness bound").toBeDefined();
    const { client, runs } = within!;
    // Each from the cached answer: the stopped agent is still named.
    for (const run of runs) expect(named(run)).toEqual(["flaky-1", "flaky-2"]);
    expect(runs.some((run) => run.bindings.worker[0] === "flaky-1")).toBe(true);

    for (const run of runs) expect((await client.send("POST", `/v1/runs/${run.id}/events`, { type: "work.go", role: "worker" })).status).toBe(200);
    for (const run of runs) {
      const done = await finished(client, run.id);
      expect(done.status).toBe("completed");
      expect(stepOf(done, "work")).toMatchObject({ status: "completed", agent: "flaky-2" });
      if (run.bindings.worker[0] === "flaky-1") {
        expect(done.rebinds).toEqual([{ step: "work", role: "worker", from: "flaky-1", to: "flaky-2", reason: "agent_stopped", attempt: 1, at: expect.any(String) }]);
      } else {
        expect(done.rebinds).toEqual([]);
      }
    }
    // Exactly once: the stopped agent did nothing, the running one each run's work once.
    expect((await agentState(client, "flaky-1")).effects ?? 0).toBe(0);
    expect((await agentState(client, "flaky-2")).effects).toBe(runs.length);
  });

  it("after the bound a run sees an agent spawned meanwhile (within it, the cached answer)", async () => {
    const client = await clientOf();
    await seedAgents(client, "flaky", 1);
    await register(client, gated);
    const began = Date.now();
    expect(named(await startRun(client, "gated_work", {}))).toEqual(["flaky-1"]);
    await seedAgents(client, "flaky", 2);
    const within = await startRun(client, "gated_work", {});
    // Only when this run's read came within the bound of the first's is it bound to be the cached answer.
    if (Date.now() - began < BOUND_MS) expect(named(within)).toEqual(["flaky-1"]);

    await new Promise((resolve) => setTimeout(resolve, BOUND_MS + 100));
    expect(named(await startRun(client, "gated_work", {}))).toEqual(["flaky-1", "flaky-2"]);
  });
});
