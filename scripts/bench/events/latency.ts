// Event benchmark, end-to-end latency from publish to delivery, platform only (the bare
// side delivers nothing): events published one at a time, alternating between an agent
// target (the `counter`'s increment, observed by polling the agent) and a webhook target
// (a receiver in this process, no polling); latency-targets.ts sets both up and checks
// every delivery happened exactly once.
import { msPer } from "../lib/cpu-tally.ts";
import { describe, type Reply } from "../lib/http.ts";
import { cpuMark } from "../lib/servers.ts";
import { fmt, percentile, sleep } from "../lib/stats.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../lib/webhook-receiver.ts";
import { CONFIG } from "./config.ts";
import { checkDeliveries, counterValue, type LatencyTargets, subscribeTargets } from "./latency-targets.ts";
import { tally } from "./measure.ts";
import { type BenchEvent, newEvents, type Side } from "./side.ts";

export type LatencyFigures = {
  agent: { p50: number; p99: number; max: number; observed: number; missed: number };
  webhook: { p50: number; p99: number; max: number; observed: number; missed: number };
  publishP50: number;
  pollP50: number;
  /** Agent: p50 of the lower bound (start of the last poll that did not see the event). */
  agentLowerP50: number;
  agentBeforeAck: number;
  hookBeforeAck: number;
  pollsPerEvent: number;
  errors: string[];
  verified: string[];
  clean: boolean;
  workerCpuMsPerTick: number;
};

export const latencyBench = async (platform: Side, runId: string): Promise<LatencyFigures> => {
  const { events, warmupEvents, intervalMs, eventTimeoutMs, maxPolls, maxMs } = CONFIG.latency;
  const targets: LatencyTargets = { agentId: `lat-${runId}`, agentStream: `lat-agent-${runId}`, hookStream: `lat-hook-${runId}` };
  const { agentId, agentStream, hookStream } = targets;
  console.log(
    `\n## End-to-end latency, publish -> delivery (platform only: the bare side has no delivery): ${events} events per target after ${warmupEvents} warm-up ` +
      `events, one at a time, alternating agent / webhook, one every ${intervalMs} ms (${fmt(1000 / intervalMs / 2, 0)}/s per target)`,
  );
  console.log(
    `  agent target: subscription -> counter '${agentId}'.increment with input "data" ({"by": 1}); delivery observed by polling GET /v1/agents/${agentId} ` +
      "from the moment the publish is sent, one poll in flight at a time, until state.value counts the event; the figure ends when that poll's response arrived.",
  );
  console.log("  webhook target: subscription -> a receiver on 127.0.0.1 in this process; the figure ends when the delivery's request body arrived (no polling).");
  const receiver: WebhookReceiver = await startWebhookReceiver();
  const errors: string[] = [];
  try {
    const client = platform.client;
    const subscriptions = await subscribeTargets(client, runId, targets, receiver);

    const agentLatencies: number[] = [];
    const hookLatencies: number[] = [];
    const publishMs: number[] = [];
    const pollMs: number[] = [];
    let agentPublished = 0;
    let hookPublished = 0;
    let agentMissed = 0;
    let hookMissed = 0;
    let polls = 0;
    let agentMeasured = 0;
    const agentLower: number[] = [];
    let agentBeforeAck = 0;
    let hookBeforeAck = 0;
    const total = (warmupEvents + events) * 2;
    const started = performance.now();
    const mark = cpuMark(platform.server);
    let next = started;
    let k = 0;
    for (; k < total && performance.now() - started < maxMs; k++) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      next = Math.max(next + intervalMs, performance.now());
      const counted = k >= warmupEvents * 2;
      const toAgent = k % 2 === 0;
      const [event] = newEvents(platform, runId, 1) as [BenchEvent];
      if (toAgent) {
        // Polls run from the moment the publish is sent, one at a time, alongside it: the
        // delivery happened after the start of the last poll that did not see it (lower
        // bound) and before the end of the first poll that did (upper bound, the figure).
        const t0 = performance.now();
        const expected = agentPublished + 1;
        let ack: Reply | undefined;
        const publishing = platform.publish(agentStream, [event]).then((reply) => (ack = reply));
        let seenAt: number | null = null;
        let lastMissStart = t0;
        for (let n = 0; n < maxPolls && performance.now() - t0 < eventTimeoutMs; n++) {
          if (ack !== undefined && ack.status !== 201) break;
          const pollStart = performance.now();
          const poll = await client.get(`/v1/agents/${agentId}`);
          if (counted) {
            polls++;
            pollMs.push(poll.ms);
          }
          const value = counterValue(poll);
          if (value === undefined) {
            errors.push(`agent poll: ${describe(poll)}`);
            await sleep(10);
          } else if (value >= expected) {
            seenAt = performance.now();
            break;
          } else lastMissStart = pollStart;
        }
        const published = (ack ?? (await publishing)) as Reply;
        if (published.status !== 201) {
          errors.push(`agent publish: ${describe(published)}`);
          continue;
        }
        agentPublished++;
        if (!counted) continue;
        publishMs.push(published.ms);
        agentMeasured++;
        if (seenAt === null) agentMissed++;
        else {
          agentLatencies.push(seenAt - t0);
          agentLower.push(lastMissStart - t0);
          if (seenAt - t0 < published.ms) agentBeforeAck++;
        }
      } else {
        const t0 = performance.now();
        const arrival = receiver.waitFor(event.id, eventTimeoutMs);
        const published = await platform.publish(hookStream, [event]);
        if (published.status !== 201) {
          errors.push(`webhook publish: ${describe(published)}`);
          continue;
        }
        hookPublished++;
        if (counted) publishMs.push(published.ms);
        const at = await arrival;
        if (!counted) continue;
        if (at === null) hookMissed++;
        else {
          hookLatencies.push(at - t0);
          if (at - t0 < published.ms) hookBeforeAck++;
        }
      }
    }
    const elapsed = performance.now() - started;
    console.log(`  ${k} events published in ${fmt(elapsed / 1000, 1)}s (${fmt((k / elapsed) * 1000, 1)}/s)`);
    const cpu = tally.end(platform.name, platform.server, mark);
    console.log(`    ${cpu.text}; per event (publish + delivery + the agent polls): worker ${fmt(msPer(cpu.workerSeconds, k), 2)} ms CPU`);

    // Everything published must be delivered exactly once: the counter's value, the
    // subscriptions' cursors, and the webhook's distinct ids.
    const { verified, clean: delivered } = await checkDeliveries(client, receiver, targets, subscriptions, { agent: agentPublished, hook: hookPublished });
    let clean = delivered;
    for (const line of verified) console.log(`  check: ${line}`);
    if (errors.length > 0) {
      clean = false;
      console.log(`  ${errors.length} errors; first: ${errors.slice(0, 5).join(" | ")}`);
    }
    const stats = (samples: number[], missed: number) => ({
      p50: percentile(samples, 50),
      p99: percentile(samples, 99),
      max: percentile(samples, 100),
      observed: samples.length,
      missed,
    });
    const figures: LatencyFigures = {
      agent: stats(agentLatencies, agentMissed),
      webhook: stats(hookLatencies, hookMissed),
      publishP50: percentile(publishMs, 50),
      pollP50: percentile(pollMs, 50),
      agentLowerP50: percentile(agentLower, 50),
      agentBeforeAck,
      hookBeforeAck,
      pollsPerEvent: agentMeasured > 0 ? polls / agentMeasured : Number.NaN,
      errors,
      verified,
      clean,
      workerCpuMsPerTick: msPer(cpu.workerSeconds, k),
    };
    const line = (name: string, f: LatencyFigures["agent"]) =>
      `  ${name}: ${f.observed} observed, ${f.missed} not within ${eventTimeoutMs / 1000}s; p50 ${fmt(f.p50)} ms, p99 ${fmt(f.p99)} ms, max ${fmt(f.max)} ms`;
    console.log(line("agent  ", figures.agent));
    console.log(line("webhook", figures.webhook));
    console.log(
      `  publish request p50 ${fmt(figures.publishP50)} ms; agent poll p50 ${fmt(figures.pollP50)} ms, ${fmt(figures.pollsPerEvent, 2)} polls per event; ` +
        `agent lower bound p50 ${fmt(figures.agentLowerP50)} ms (the delivery happened between the lower bound and the figure)`,
    );
    console.log(
      `  seen before the publisher had its acknowledgement: agent ${figures.agentBeforeAck}/${figures.agent.observed}, webhook ${figures.hookBeforeAck}/${figures.webhook.observed}`,
    );
    return figures;
  } finally {
    await receiver.close();
  }
};
