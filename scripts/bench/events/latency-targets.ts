// The two delivery targets of the event benchmark's latency measurement: a `counter`
// agent and a webhook receiver in this process, each behind a subscription of its own
// stream. How they are set up, and the check after the measurement that every event
// published was delivered exactly once (the counter's value, the subscriptions' cursors,
// the webhook's distinct ids and their order).
import { type Client, describe, type Reply } from "../lib/http.ts";
import { sleep } from "../lib/stats.ts";
import type { WebhookReceiver } from "../lib/webhook-receiver.ts";
import { parse } from "./side.ts";

/** The counter agent and the stream each target's subscription reads. */
export type LatencyTargets = { agentId: string; agentStream: string; hookStream: string };
type Subscription = { id: string; stream: string };

/** The counter's value in a GET /v1/agents/:id reply; undefined unless a 200 with a numeric state.value. */
export const counterValue = (reply: Reply): number | undefined => {
  const value = (parse(reply.body) as { state?: { value?: unknown } } | undefined)?.state?.value;
  return reply.status === 200 && typeof value === "number" ? value : undefined;
};

/** Spawns the counter and subscribes it and the receiver to `bench.#` on their streams, from the latest event; throws on any failure. */
export const subscribeTargets = async (client: Client, runId: string, targets: LatencyTargets, receiver: WebhookReceiver): Promise<Subscription[]> => {
  const { agentId, agentStream, hookStream } = targets;
  const spawned = await client.post("/v1/agents", { type: "counter", id: agentId });
  if (spawned.status !== 201) throw new Error(`latency: spawn counter: ${describe(spawned)}`);
  const delivery = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };
  const subscriptions = [
    { id: `lat-agent-${runId}`, patterns: ["bench.#"], stream: agentStream, start: "latest", target: { kind: "agent", agent: agentId, action: "increment", input: "data" }, delivery },
    { id: `lat-hook-${runId}`, patterns: ["bench.#"], stream: hookStream, start: "latest", target: { kind: "webhook", url: receiver.url }, delivery },
  ];
  for (const subscription of subscriptions) {
    const created = await client.post("/v1/subscriptions", subscription);
    if (created.status !== 201) throw new Error(`latency: create subscription ${subscription.id}: ${describe(created)}`);
  }
  return subscriptions;
};

/**
 * Waits (bounded) until both targets have seen everything published, then checks that
 * each event was delivered exactly once. Returns what was verified, line by line, and
 * whether all of it was as it must be.
 */
export const checkDeliveries = async (
  client: Client,
  receiver: WebhookReceiver,
  targets: LatencyTargets,
  subscriptions: readonly Subscription[],
  published: { agent: number; hook: number },
): Promise<{ verified: string[]; clean: boolean }> => {
  const { agentId, agentStream } = targets;
  const { agent: agentPublished, hook: hookPublished } = published;
  const verified: string[] = [];
  let clean = true;
  const deadline = performance.now() + 30_000;
  let value: number | undefined;
  while (performance.now() < deadline) {
    value = counterValue(await client.get(`/v1/agents/${agentId}`));
    const hookIds = new Set(receiver.arrivals.map((a) => a.id)).size;
    if (value === agentPublished && hookIds >= hookPublished) break;
    await sleep(100);
  }
  const hookIds = new Set(receiver.arrivals.map((a) => a.id)).size;
  verified.push(`counter value ${String(value)} for ${agentPublished} events published to its stream`);
  verified.push(`webhook: ${receiver.arrivals.length} deliveries of ${hookIds} distinct events for ${hookPublished} published; malformed ${receiver.malformed}`);
  if (value !== agentPublished || hookIds !== hookPublished || receiver.arrivals.length !== hookPublished || receiver.malformed > 0) clean = false;
  const order = receiver.arrivals.map((a) => a.sequence);
  if (order.some((sequence, i) => i > 0 && sequence <= (order[i - 1] as number))) {
    clean = false;
    verified.push("webhook deliveries arrived out of sequence order");
  }
  for (const subscription of subscriptions) {
    const status = await client.get(`/v1/subscriptions/${subscription.id}`);
    const streams = (parse(status.body) as { streams?: { delivered?: number; lag?: number; deadLetters?: number; attempts?: number; lastError?: unknown }[] } | undefined)?.streams;
    const s = streams?.[0];
    const expected = subscription.stream === agentStream ? agentPublished : hookPublished;
    verified.push(
      `subscription ${subscription.id}: ` +
        (s ? `delivered ${s.delivered}, lag ${s.lag}, dead letters ${s.deadLetters}, attempts ${s.attempts}, last error ${JSON.stringify(s.lastError)}` : describe(status)),
    );
    if (!s || s.delivered !== expected || s.lag !== 0 || s.deadLetters !== 0 || s.lastError !== null) clean = false;
  }
  return { verified, clean };
};
