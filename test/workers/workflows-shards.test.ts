// The run path scales with the number of runs: each run's index entry and transition
// events go to its shard (a hash of the run id over JIDO_RUN_INDEX_SHARDS, 8 here), not
// to one object per tenant. GET /v1/runs merges every shard (and the registry, which
// still lists the runs it indexed before the shards) in one order with one cursor; a
// `workflow.#` subscription sees every shard's transitions; a coordinator publishes
// the transitions of a turn in one append; a run started by version finds a version
// registered a moment before.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { agentOf, busClient, holdObject, spawnIn, subscribe, subscription } from "./bus.ts";
import { type Body, expectProblem } from "./http.ts";
import { type Client, clientOf, eventually, finished, indexShardStub, order, orderClient, register, runStub, startRun, workflowEvents, workflowStreamOf } from "./workflows.ts";
import { typedStub } from "../../objects/durable/index.ts";
import { sha256Hex } from "../../src/platform/canonical-json.ts";
import { workflowRegistryName } from "../../src/platform/workflow/naming.ts";
import { runShardCount, runShardOf, runsIndexShardName } from "../../src/platform/workflow/run-shards.ts";

const SHARDS = runShardCount(env.JIDO_RUN_INDEX_SHARDS);

/** The id the API gives a run started under this Idempotency-Key (src/api/workflows.ts). */
const runIdFor = async (workflow: string, key: string): Promise<string> => `run_${(await sha256Hex(`${workflow}\n${key}`)).slice(0, 32)}`;

/** Idempotency keys whose runs of `workflow` land on `count` different shards. */
const keysOnDistinctShards = async (workflow: string, count: number): Promise<string[]> => {
  const byShard = new Map<number, string>();
  while (byShard.size < count) {
    const key = `shard-${crypto.randomUUID()}`;
    const shard = runShardOf(await runIdFor(workflow, key), SHARDS);
    if (!byShard.has(shard)) byShard.set(shard, key);
  }
  return [...byShard.values()];
};

const startOn = async (client: Client, keys: readonly string[]): Promise<Body[]> =>
  Promise.all(keys.map((key) => startRun(client, "order_processing", order("succeed"), { "idempotency-key": key })));

/** Records, for the run's coordinator only, every append it makes: the stream and the event ids. */
const countAppends = async (tenant: string, runId: string): Promise<{ stream: string; ids: string[] }[]> => {
  const appends: { stream: string; ids: string[] }[] = [];
  await runInDurableObject(runStub(tenant, runId), (instance) => {
    const object = instance as unknown as { env: Env };
    const streams = object.env.STREAMS;
    const counting = {
      idFromName: (name: string) => streams.idFromName(name),
      get: (objectId: DurableObjectId) =>
        new Proxy(streams.get(objectId), {
          get: (target, prop) =>
            prop === "append"
              ? (at: { stream: string }, events: { id: string }[]) => {
                  appends.push({ stream: at.stream, ids: events.map((e) => e.id) });
                  return (target as unknown as { append: (a: unknown, e: unknown) => unknown }).append(at, events);
                }
              : Reflect.get(target, prop),
        }),
    };
    object.env = { ...object.env, STREAMS: counting as unknown as Env["STREAMS"] };
  });
  return appends;
};

describe("publishing a run's transitions", () => {
  it("goes in one append per coordinator turn to the run's workflow.<k> stream, each event once", async () => {
    const client = await orderClient();
    const key = `turns-${crypto.randomUUID()}`;
    const id = await runIdFor("order_processing", key);
    const appends = await countAppends(client.tenant, id);
    const run = await finished(client, (await startRun(client, "order_processing", order("succeed"), { "idempotency-key": key })).id);
    const events = await eventually("the run's events", () => workflowEvents(client, run.id), (list) => list.some((e) => e.type === "workflow.run.completed"));
    // Start, then one turn per call outcome (validate, check_inventory, payment, fulfil,
    // confirm): at most six appends for the run's fifteen events. Before batching, the
    // same run made 16 appends carrying 68 events (passes overlapped and sent rows twice).
    expect(events).toHaveLength(15);
    expect(appends.length).toBeLessThanOrEqual(6);
    const appended = appends.flatMap((append) => append.ids);
    expect(appended).toHaveLength(new Set(appended).size);
    expect(new Set(appended)).toEqual(new Set(events.map((event) => event.id)));
    expect(new Set(appends.map((append) => append.stream))).toEqual(new Set([workflowStreamOf(run.id)]));
  });
});

const registryOf = (tenant: string) => typedStub(env.WORKFLOWS.get(env.WORKFLOWS.idFromName(workflowRegistryName(tenant))));
const shardOf = (tenant: string, shard: number) => typedStub(env.RUNS_INDEX.get(env.RUNS_INDEX.idFromName(runsIndexShardName(tenant, shard))));
const rowsOf = (stub: DurableObjectStub): Promise<string[]> =>
  runInDurableObject(stub, (_instance, state) => state.storage.sql.exec<{ id: string }>("SELECT id FROM runs ORDER BY id").toArray().map((row) => row.id));

/** Every page of GET /v1/runs with `query`, `limit` at a time: the ids, in order. */
const walk = async (client: Client, query: string, limit: number): Promise<string[]> => {
  const seen: string[] = [];
  let path = `/v1/runs?${query}limit=${limit}`;
  for (let page = 0; page < 200; page++) {
    const reply = await client.send("GET", path);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.items.length).toBeLessThanOrEqual(limit);
    seen.push(...reply.body.items.map((item: Body) => item.id));
    if (reply.body.next === null) return seen;
    path = `/v1/runs?${query}limit=${limit}&cursor=${encodeURIComponent(reply.body.next)}`;
  }
  throw new Error("paging did not end");
};

type Entry = { id: string; workflow: string; version: string; status: string; createdAt: string; updatedAt: string };
/** Newest first by start time, then the greater id first (run ids here are plain ASCII). */
const newestFirst = (a: Entry, b: Entry): number => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

describe("the sharded runs index", () => {
  it("indexes each run in its own shard, and GET /v1/runs lists every shard's runs and the registry's older ones in one order, paged and filtered", async () => {
    const client = await orderClient();
    const runs = await startOn(client, await keysOnDistinctShards("order_processing", 3));
    const done = await Promise.all(runs.map((run) => finished(client, run.id)));
    for (const run of done) {
      const shard = runShardOf(run.id, SHARDS);
      const rows = await eventually(`run ${run.id} in shard ${shard}`, () => shardOf(client.tenant, shard).runs({ tenant: client.tenant, shard }, { limit: 10 }), (page) => page.ok && page.value.items.some((item) => item.id === run.id && item.status === "completed"));
      expect(rows.ok).toBe(true);
    }
    // Entries written straight into the shards (ties on start time included), and three
    // into the registry, as it indexed runs before the shards existed.
    const base = Date.now() - 600_000;
    const entry = (id: string, n: number): Entry => {
      const at = new Date(base + (n % 7) * 1_000).toISOString();
      return { id, workflow: n % 2 === 0 ? "even" : "odd", version: "1.0.0", status: n % 3 === 0 ? "failed" : "completed", createdAt: at, updatedAt: at };
    };
    const sharded = Array.from({ length: 30 }, (_, n) => entry(`run_s${String(n).padStart(2, "0")}`, n));
    for (const summary of sharded) {
      const shard = runShardOf(summary.id, SHARDS);
      expect(await shardOf(client.tenant, shard).recordRun({ tenant: client.tenant, shard }, summary)).toEqual({ ok: true, value: null });
    }
    const legacy = [entry("run_legacy_a", 3), entry("run_legacy_b", 10), entry("run_legacy_c", 30)];
    for (const summary of legacy) expect(await registryOf(client.tenant).recordRun({ tenant: client.tenant }, summary)).toEqual({ ok: true, value: null });
    const used = new Set([...sharded, ...done].map((r) => runShardOf(r.id, SHARDS)));
    expect(used.size).toBeGreaterThanOrEqual(5);
    for (const shard of used) {
      expect(await rowsOf(env.RUNS_INDEX.get(env.RUNS_INDEX.idFromName(runsIndexShardName(client.tenant, shard))))).toEqual(
        [...sharded, ...done].filter((r) => runShardOf(r.id, SHARDS) === shard).map((r) => r.id).sort(),
      );
    }

    const all: Entry[] = [...sharded, ...legacy, ...done.map((run) => ({ id: run.id, workflow: run.workflow, version: run.version, status: run.status, createdAt: run.createdAt, updatedAt: run.updatedAt }))];
    const ids = (entries: Entry[]) => [...entries].sort(newestFirst).map((e) => e.id);
    for (const limit of [1, 4, 7, 1000]) expect(await walk(client, "", limit), `limit ${limit}`).toEqual(ids(all));
    expect(await walk(client, "workflow=even&", 3)).toEqual(ids(all.filter((e) => e.workflow === "even")));
    expect(await walk(client, "status=failed&", 2)).toEqual(ids(all.filter((e) => e.status === "failed")));
    expect(await walk(client, "workflow=order_processing&status=completed&", 2)).toEqual(ids(all.filter((e) => e.workflow === "order_processing")));
    expectProblem(await client.send("GET", "/v1/runs?cursor=bm90LWEtY3Vyc29y"), 400, "validation");
  });

  it("finishes a run indexed in the registry before the shards there, so it is listed once, with its final status", async () => {
    const client = await orderClient();
    const run = await startRun(client, "order_processing", order("hang"));
    const stub = runStub(client.tenant, run.id);
    // As a run started before the shards: indexed (running) in the registry, no shard written down.
    await eventually("the run indexed", () => rowsOf(indexShardStub(client.tenant, run.id)), (rows) => rows.includes(run.id));
    const headerOf = () => runInDurableObject(stub, (_instance, state) => JSON.parse(state.storage.sql.exec<{ header: string }>("SELECT header FROM run").one().header) as Record<string, unknown>);
    const { indexShard, ...header } = await eventually("the shard in the run's header", headerOf, (h) => h.indexShard !== undefined);
    expect(indexShard).toBe(runShardOf(run.id, SHARDS));
    await runInDurableObject(stub, (_instance, state) => state.storage.sql.exec("UPDATE run SET header = ?", JSON.stringify(header)));
    await runInDurableObject(indexShardStub(client.tenant, run.id), (_instance, state) => state.storage.sql.exec("DELETE FROM runs"));
    const summary = { id: run.id, workflow: "order_processing", version: "1.0.0", status: "running", createdAt: run.createdAt, updatedAt: run.updatedAt };
    expect(await registryOf(client.tenant).recordRun({ tenant: client.tenant }, summary)).toEqual({ ok: true, value: null });
    await runInDurableObject(stub, (_instance, state) => state.abort("restarted by test")).catch(() => undefined);
    expect((await client.send("POST", `/v1/runs/${run.id}/cancel`)).status).toBe(202);
    const listed = await eventually("the run listed as ended", () => client.send("GET", "/v1/runs"), (reply) => reply.body.items?.length === 1 && reply.body.items[0].status !== "running");
    expect(listed.body.items.map((item: Body) => item.id)).toEqual([run.id]);
    expect(await rowsOf(indexShardStub(client.tenant, run.id))).toEqual([]);
  });

  it("keeps at most JIDO_RUNS_INDEX_MAX / JIDO_RUN_INDEX_SHARDS finished runs per shard (rounded up), oldest finished first", async () => {
    const client = await clientOf();
    const stub = env.RUNS_INDEX.get(env.RUNS_INDEX.idFromName(runsIndexShardName(client.tenant, 0)));
    await runInDurableObject(stub, (instance) => {
      const object = instance as unknown as { env: Env };
      object.env = { ...object.env, JIDO_RUNS_INDEX_MAX: String(2 * SHARDS - 1) };
    });
    const now = Date.now();
    const at = (ms: number) => new Date(ms).toISOString();
    const shard = typedStub(stub);
    await shard.recordRun({ tenant: client.tenant, shard: 0 }, { id: "run_busy", workflow: "w", version: "1.0.0", status: "running", createdAt: at(now - 10_000), updatedAt: at(now - 10_000) });
    for (const n of [1, 2, 3]) await shard.recordRun({ tenant: client.tenant, shard: 0 }, { id: `run_f${n}`, workflow: "w", version: "1.0.0", status: "completed", createdAt: at(now - 9_000), updatedAt: at(now - 5_000 + n) });
    expect(await rowsOf(stub)).toEqual(["run_busy", "run_f2", "run_f3"]);
    const bad = await shard.recordRun({ tenant: client.tenant, shard: 0 }, { id: "x y", workflow: "w" } as never);
    expect(bad.ok).toBe(false);
  });
});

describe("a subscription to the workflow transitions", () => {
  it("with pattern workflow.# receives every transition of runs on different shards; one naming stream `workflow` covers the shards too", async () => {
    const client = await orderClient();
    const bus = await busClient(client.tenant);
    await spawnIn(bus, "counter", "every");
    await spawnIn(bus, "counter", "ended");
    const all = await subscribe(bus, { patterns: ["workflow.#"], target: { kind: "agent", agent: "every", action: "increment", input: { by: 1 } } });
    await subscribe(bus, { patterns: ["workflow.run.completed"], stream: "workflow", target: { kind: "agent", agent: "ended", action: "increment", input: { by: 1 } } });
    const runs = await startOn(client, await keysOnDistinctShards("order_processing", 3));
    await Promise.all(runs.map((run) => finished(client, run.id)));
    let total = 0;
    for (const run of runs) total += (await eventually("the run's events", () => workflowEvents(client, run.id), (list) => list.some((e) => e.type === "workflow.run.completed"))).length;
    await eventually("every transition delivered", () => agentOf(bus, "every"), (agent) => agent.state.value === total);
    await eventually("every completion delivered", () => agentOf(bus, "ended"), (agent) => agent.state.value === 3);
    const streams = (await subscription(bus, all.id)).streams.map((status: Body) => status.stream);
    for (const run of runs) expect(streams).toContain(workflowStreamOf(run.id));
  });

  it("nobody publishes to a workflow.<k> stream, and those streams do not count against JIDO_MAX_STREAMS_PER_TENANT", async () => {
    const client = await orderClient();
    const bus = await busClient(client.tenant);
    const refused = await bus.send("POST", "/v1/events", { source: "test", type: "order.created", stream: "workflow.3", data: {} });
    expect(refused.status, refused.text).toBe(400);
    await runInDurableObject(env.BUS.get(env.BUS.idFromName(`bus/${client.tenant}`)), (instance) => {
      const object = instance as unknown as { env: Env };
      object.env = { ...object.env, JIDO_MAX_STREAMS_PER_TENANT: "1" };
    });
    expect((await bus.send("POST", "/v1/events", { source: "test", type: "order.created", data: {} })).status).toBe(201);
    const runs = await startOn(client, await keysOnDistinctShards("order_processing", 2));
    for (const run of runs) {
      await finished(client, run.id);
      await eventually("the run's events", () => workflowEvents(client, run.id), (list) => list.some((e) => e.type === "workflow.run.completed"));
    }
    // The tenant's one own stream is its limit: another is refused.
    expect((await bus.send("POST", "/v1/events", { source: "test", type: "payment.taken", data: {} })).status).toBe(409);
  });
});

describe("starting a run by version", () => {
  it("finds a version registered a moment before, though the versions were read (and cached) just now", async () => {
    const client = await clientOf();
    const definition = (version: string) => ({
      name: "tiny",
      version,
      participants: { worker: { type: "counter", spawn: true } },
      flow: [{ step: "count", role: "worker", action: "increment", input: { by: 1 } }],
    });
    await register(client, definition("1.0.0"));
    await finished(client, (await startRun(client, "tiny", {})).id);
    await register(client, definition("1.1.0"));
    const byVersion = await client.send("POST", "/v1/workflows/tiny/runs?version=1.1.0", {});
    expect(byVersion.status, byVersion.text).toBe(202);
    expect(byVersion.body.version).toBe("1.1.0");
    // A version never registered is still 404, naming the versions there are.
    expectProblem(await client.send("POST", "/v1/workflows/tiny/runs?version=9.9.9", {}), 404, "not-found");
    // Registered through this isolate: the latest is the new one at once.
    expect((await startRun(client, "tiny", {})).version).toBe("1.1.0");
    // A version seen is not read from the registry again: runs start while it answers nothing
    // (held for up to 20 s; a start that asked it would still be waiting after 10).
    const release = await holdObject(env.WORKFLOWS.get(env.WORKFLOWS.idFromName(workflowRegistryName(client.tenant))), "the registry");
    try {
      for (const version of ["1.0.0", "1.1.0"]) {
        const start = client.send("POST", `/v1/workflows/tiny/runs?version=${version}`, {}).then((reply) => reply.status);
        expect(await Promise.race([start, new Promise((resolve) => setTimeout(resolve, 10_000, "waiting for the registry"))])).toBe(202);
      }
    } finally {
      await release();
    }
  });
});
