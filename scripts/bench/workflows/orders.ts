// The two ways of doing one order that the workflow benchmark's phase 2 sets against each
// other: the coordinator running the `order_processing` workflow, and this client making
// the same agent calls itself; and where each step's time goes, split at the agent's commit.
import { type Client, describe, type Reply } from "../lib/http.ts";
import { type BenchServer, cpuMark, cpuSince } from "../lib/servers.ts";
import { ms, orderInput, type RunView, spanOf, startRun, waitFinal } from "./runs.ts";

/** One direct call: the agent, and this client's wall clock (sub-ms) when it was sent and answered. */
export type DirectCall = { agent: string; ms: number; sentAt: number; answeredAt: number };
export type DirectSample = { spawnMs: number; callsMs: number; calls: Map<string, DirectCall> };

const wallNow = (): number => performance.timeOrigin + performance.now();

/** Worker CPU of the direct sequences, split into the 4 spawns and the 5 calls (marks outside the timed parts). */
export const directCpu = { spawn: 0, calls: 0, n: 0 };

/**
 * The same order, done by the client: spawn the 4 agents a run binds (in parallel), then
 * the 5 actions in the workflow's order, on the same agents the coordinator would use
 * (round-robin over the 2 processors), with the same inputs and step keys.
 */
export const directOrder = async (client: Client, tag: string, n: number, server?: BenchServer): Promise<DirectSample | { error: string }> => {
  const base = `direct-${tag}-${n}`;
  const orderId = `o-${base}`;
  const input = orderInput(orderId);
  const agents = { validator: `${base}.validator.1`, p1: `${base}.processor.1`, p2: `${base}.processor.2`, notifier: `${base}.notifier.1` };
  const types = { validator: "validation_agent", p1: "processing_agent", p2: "processing_agent", notifier: "notification_agent" } as const;
  const mark0 = server ? cpuMark(server) : undefined;
  const spawnStart = performance.now();
  const spawns = await Promise.all((Object.keys(agents) as (keyof typeof agents)[]).map((role) => client.post("/v1/agents", { type: types[role], id: agents[role] })));
  const spawnMs = performance.now() - spawnStart;
  const mark1 = server ? cpuMark(server) : undefined;
  const failedSpawn = spawns.find((reply) => reply.status !== 201);
  if (failedSpawn) return { error: `direct spawn: ${describe(failedSpawn)}` };
  const calls = new Map<string, DirectCall>();
  const call = async (step: string, agent: string, action: string, body: unknown): Promise<Reply> => {
    const sentAt = wallNow();
    const reply = await client.post(`/v1/agents/${encodeURIComponent(agent)}/actions/${action}`, body, { "idempotency-key": `wf:${base}:${step}` });
    calls.set(step, { agent, ms: reply.ms, sentAt, answeredAt: wallNow() });
    return reply;
  };
  const started = performance.now();
  const stages: (() => Promise<Reply[]>)[] = [
    () =>
      Promise.all([
        call("validate_order", agents.validator, "validate", { order_id: orderId, amount: input.amount, items: input.items }),
        call("check_inventory", agents.p1, "check_inventory", { order_id: orderId, items: input.items }),
      ]),
    async () => [await call("process_payment", agents.p2, "process_payment", { order_id: orderId, amount: input.amount, payment: input.payment })],
    async () => [await call("fulfill_order", agents.p1, "fulfill_order", { order_id: orderId })],
    async () => [await call("send_confirmation", agents.notifier, "send_confirmation", { order_id: orderId })],
  ];
  for (const stage of stages) {
    const replies = await stage();
    const failed = replies.find((reply) => reply.status !== 200);
    if (failed) return { error: `direct call: ${describe(failed)}` };
  }
  const callsMs = performance.now() - started;
  if (server && mark0 && mark1) {
    const spawnCpu = cpuSince(server, mark0).workerSeconds - cpuSince(server, mark1).workerSeconds;
    directCpu.spawn += spawnCpu;
    directCpu.calls += cpuSince(server, mark1).workerSeconds;
    directCpu.n++;
  }
  return { spawnMs, callsMs, calls };
};

export type CoordinatorSample = { span: number; whole: number; startReply: number; bind: number; observedTail: number; polls: number; view: RunView };

export const coordinatorOrder = async (client: Client, tag: string, pollMs: number): Promise<CoordinatorSample | { error: string }> => {
  const run = await startRun(client, `${tag}-o`);
  if ("error" in run) return run;
  const done = await waitFinal(client, run, pollMs, pollMs);
  if ("error" in done) return done;
  if (done.view.status !== "completed") return { error: `run ${run.id} ended ${done.view.status}` };
  const updatedAt = ms(done.view.updatedAt);
  return {
    span: spanOf(done.view),
    whole: updatedAt - run.wallStart,
    startReply: run.startMs,
    // Start request sent -> the run record created (routing, registry look-up, binding 4 agents).
    bind: ms(done.view.createdAt) - run.wallStart,
    // Final transition -> the client saw it (polling granularity + one GET).
    observedTail: done.observedAt - run.perfStart - (updatedAt - run.wallStart),
    polls: done.polls,
    view: done.view,
  };
};

type Split = { out: Map<string, number[]>; back: Map<string, number[]> };

/**
 * Where a step's time goes: an agent that ran one action of the run (or whose last action
 * it was) stamped `updatedAt` when the action finished, just before its commit. Against
 * the coordinator's startedAt / finishedAt (or the client's send / answer time), that
 * splits the step into out and back. Read after the measurement, so it disturbs nothing.
 */
export const splitSteps = async (client: Client, runs: readonly CoordinatorSample[], directs: readonly DirectSample[]): Promise<{ coordinator: Split; direct: Split }> => {
  const splitSteps = ["validate_order", "process_payment", "fulfill_order", "send_confirmation"];
  const empty = (): Split => ({ out: new Map(), back: new Map() });
  const result = { coordinator: empty(), direct: empty() };
  const add = (into: Split, step: string, out: number, back: number) => {
    into.out.set(step, [...(into.out.get(step) ?? []), out]);
    into.back.set(step, [...(into.back.get(step) ?? []), back]);
  };
  const committedAt = async (agent: string): Promise<number | null> => {
    const reply = await client.get(`/v1/agents/${encodeURIComponent(agent)}`);
    return reply.status === 200 ? ms((JSON.parse(reply.body) as { updatedAt: string }).updatedAt) : null;
  };
  for (const run of runs) {
    for (const step of run.view.steps.filter((s) => splitSteps.includes(s.name) && s.agent !== null && s.status === "completed")) {
      const at = await committedAt(step.agent!);
      if (at !== null) add(result.coordinator, step.name, at - ms(step.startedAt), ms(step.finishedAt) - at);
    }
  }
  for (const sample of directs) {
    for (const step of splitSteps) {
      const call = sample.calls.get(step);
      const at = call ? await committedAt(call.agent) : null;
      if (call && at !== null) add(result.direct, step, at - call.sentAt, call.answeredAt - at);
    }
  }
  return result;
};
