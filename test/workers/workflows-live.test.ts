// A run's transitions, live (`GET /v1/runs/:id/live`): an order run's transitions arrive
// in stream order and the stream ends after the final one; another run of the same
// shard stream is not forwarded; Last-Event-ID resumes after what was received; a run
// opened after it finished replays from its first transition; the typed client's
// runs.watch follows it; a run started under another JIDO_RUN_INDEX_SHARDS is read from the
// stream it recorded; runs:read is what it takes (not events:read), 404 for an unknown run.
import { createExecutionContext, env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_RUN_INDEX_SHARDS, runShardCount, runShardOf } from "../../src/platform/workflow/run-shards.ts";
import { expectInvalid, expectProblem, toReply } from "./http.ts";
import { client, expectForbidden } from "./security.ts";
import { type Client, finished, order, orderClient, startRun, workflowEvents, workflowStreamOf } from "./workflows.ts";
import { adminOf, tokenFor } from "./tokens.ts";
import { createClient } from "../../src/client/index.ts";
import { busClient, event, publish, streamStub } from "./bus.ts";
import { type Frame, readSseFrames } from "./sse-frames.ts";
import { runIdFor } from "../../src/platform/workflow/run-id.ts";
import worker from "./worker.ts";

/** Two idempotency keys whose order runs go to the same shard stream. */
const sameShardKeys = async (): Promise<[string, string]> => {
  const shards = runShardCount(env.JIDO_RUN_INDEX_SHARDS);
  const first = crypto.randomUUID();
  const shard = runShardOf(await runIdFor("order_processing", first), shards);
  for (let i = 0; ; i++) {
    const key = `${first}-${i}`;
    if (runShardOf(await runIdFor("order_processing", key), shards) === shard) return [first, key];
  }
};

/** Opens the run's live stream with `headers` (an admin token of the client's tenant unless they carry another). */
const openLive = async (c: Client, id: string, headers: Record<string, string> = {}): Promise<Response> =>
  SELF.fetch(`http://localhost/v1/runs/${id}/live`, { headers: { ...(await adminOf(c.tenant)), accept: "text/event-stream", ...headers } });

/** Every frame until the server ends the stream (bounded, so a stream that never ends fails the test). */
const readToEnd = async (response: Response): Promise<Frame[]> => {
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/event-stream");
  const { frames, ended } = await readSseFrames(response, { maxReads: 500 });
  if (!ended) throw new Error(`the stream did not end; frames: ${frames.map((f) => f.data.type).join(", ")}`);
  return frames;
};

describe("GET /v1/runs/:id/live", () => {
  it("sends an order run's transitions in order, only its own, and ends after the final one", async () => {
    const c = await orderClient();
    const [mine, other] = await sameShardKeys();
    const run = await startRun(c, "order_processing", order("succeed"), { "idempotency-key": mine });
    const live = openLive(c, run.id);
    const neighbour = await startRun(c, "order_processing", order("decline"), { "idempotency-key": other });
    expect(workflowStreamOf(neighbour.id)).toBe(workflowStreamOf(run.id));
    const frames = await readToEnd(await live);

    expect((await finished(c, run.id)).status).toBe("completed");
    const stored = await workflowEvents(c, run.id);
    expect(frames.map((f) => f.data)).toEqual(stored);
    expect(frames.map((f) => f.id)).toEqual(stored.map((e) => e.sequence));
    expect(frames.every((f) => f.event === "cloudevent" && f.data.subject === run.id)).toBe(true);
    expect(frames[0]!.data.type).toBe("workflow.run.started");
    expect(frames.at(-1)!.data.type).toBe("workflow.run.completed");
    expect(frames.map((f) => f.data.type)).toContain("workflow.step.completed");
    // The neighbour wrote to the same stream meanwhile; none of it was forwarded.
    await finished(c, neighbour.id);
    expect((await workflowEvents(c, neighbour.id)).length).toBeGreaterThan(0);
  });

  it("replays a finished run from its first transition, and resumes after Last-Event-ID", async () => {
    const c = await orderClient();
    const run = await finished(c, (await startRun(c, "order_processing", order("fail"))).id);
    expect(run.status).toBe("compensated");
    const all = await readToEnd(await openLive(c, run.id));
    expect(all.map((f) => f.data)).toEqual(await workflowEvents(c, run.id));
    expect(all.at(-1)!.data.type).toBe("workflow.run.compensated");
    const resumed = await readToEnd(await openLive(c, run.id, { "last-event-id": String(all[2]!.id) }));
    expect(resumed.map((f) => f.id)).toEqual(all.slice(3).map((f) => f.id));
  });

  it("the typed client's runs.watch yields the run's transitions and ends after the final one", async () => {
    const c = await orderClient();
    const run = await startRun(c, "order_processing", order("decline"));
    const jido = createClient({ baseUrl: "http://localhost", token: await tokenFor({ tenant: c.tenant, caps: ["runs:read"], rps: 1_000_000 }), fetch: (input, init) => SELF.fetch(input, init) });
    const watched = [];
    for await (const event of jido.runs.watch(run.id)) watched.push(event);
    expect(watched).toEqual(await workflowEvents(c, run.id));
    expect(watched.at(-1)!.type).toBe("workflow.run.completed");
  });

  it("follows a run started under another shard count in the stream the run recorded when it started", async () => {
    const c = await orderClient();
    const run = await startRun(c, "order_processing", order("decline"));
    const startedIn = runShardOf(run.id, runShardCount(env.JIDO_RUN_INDEX_SHARDS));
    expect(run.stream).toBe(`workflow.${startedIn}`);
    // A count under which the run's id hashes to another shard: the deployment's count changed since the run started.
    const changed = Array.from({ length: MAX_RUN_INDEX_SHARDS }, (_, i) => i + 1).find((n) => runShardOf(run.id, n) !== startedIn)!;
    const vars = { ...env, JIDO_RUN_INDEX_SHARDS: String(changed) };
    const response = await worker.request(`/v1/runs/${run.id}/live`, { headers: { ...(await adminOf(c.tenant)), accept: "text/event-stream" } }, vars, createExecutionContext());
    const frames = await readToEnd(response);
    expect(frames.map((f) => f.data)).toEqual(await workflowEvents(c, run.id));
    expect(frames.at(-1)!.data.type).toBe("workflow.run.completed");
  });

  it("takes runs:read, not events:read: without it 403 and nothing sent; 404 for an unknown run; 400 for a bad id", async () => {
    const c = await orderClient();
    const run = await finished(c, (await startRun(c, "order_processing", order("succeed"))).id);
    const reader = await client({ tenant: c.tenant, subject: "reader", caps: ["runs:read"] });
    const streams = await client({ tenant: c.tenant, subject: "streams", caps: ["events:read:*", "workflows:read"] });
    const refused = await streams.get(`/v1/runs/${run.id}/live`);
    expectForbidden(refused, "runs:read");
    expect(refused.headers.get("content-type")).toMatch(/problem\+json/);
    expect(refused.text).not.toContain("workflow.run");
    expect((await reader.get(`/v1/runs/${run.id}/live`)).status).toBe(200);
    expectProblem(await reader.get("/v1/runs/run_nobody/live"), 404, "not-found");
    expectInvalid(await toReply(await openLive(c, "bad id!")), "path.id");
  });
});

describe("a stream's sequenceAt (where a run's transitions start)", () => {
  it("answers the first sequence appended at or after a time: the first held, one in the middle, the next to come", async () => {
    const bus = await busClient();
    await publish(bus, [event("order.created"), event("order.created"), event("order.created")]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const middle = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await publish(bus, [event("order.paid"), event("order.paid")]);
    const at = async (time: number) => {
      const result = await streamStub(bus.tenant, "order").sequenceAt({ tenant: bus.tenant, stream: "order" }, time);
      expect(result.ok).toBe(true);
      return result.ok ? result.value.sequence : null;
    };
    expect(await at(0)).toBe(1);
    expect(await at(middle)).toBe(4);
    expect(await at(Date.now() + 60_000)).toBe(6);
  });
});
