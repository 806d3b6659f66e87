// Delivering one event to a subscription's target. An agent action is called with the
// input the subscription maps from the event (input-mapping.ts) and an idempotency key
// made from the subscription (or replay) and the event id, so a redelivered event has
// its effect once, and it is checked against the subscription creator's capabilities.
// A webhook gets the CloudEvent signed in the Standard Webhooks format. Failures come
// back as data for the retry schedule.
import { agentObjectName } from "../src/platform/agent/naming.ts";
import { sha256Hex } from "../src/platform/canonical-json.ts";
import { callDurable } from "../src/platform/durable-call.ts";
import type { CloudEvent } from "../src/platform/events/cloud-event.ts";
import { mapInput } from "../src/platform/events/input-mapping.ts";
import type { SubscriptionRecord } from "../src/platform/events/subscription.ts";
import { webhookHeaders } from "../src/platform/events/webhook-signature.ts";
import { ProblemError } from "../src/platform/problem.ts";
import type { Telemetry } from "../src/platform/telemetry/emitter.ts";
import type { Bindings } from "../src/env.ts";
import type { AgentRpc } from "./agent.ts";

export type DeliveryOutcome = { ok: true } | { ok: false; message: string };

export type TargetContext = {
  env: Pick<Bindings, "AGENTS">;
  telemetry: Telemetry;
  now: () => number;
  /** Pushes to live connections; false when none is attached to the subscription. */
  pushLive: (subscriptionId: string, event: CloudEvent) => boolean;
};

const WEBHOOK_TIMEOUT_MS = 10_000;

const toAgent = async (sub: SubscriptionRecord, event: CloudEvent, deliveryKey: string, ctx: TargetContext): Promise<DeliveryOutcome> => {
  const target = sub.spec.target;
  if (target.kind !== "agent") throw new Error("not an agent target");
  const agents = ctx.env.AGENTS;
  const id = agents.idFromName(agentObjectName(sub.tenant, target.agent));
  const idempotencyKey = `evt:${(await sha256Hex(`${deliveryKey}\n${event.id}`)).slice(0, 48)}`;
  const input = mapInput(target.input, event);
  try {
    await callDurable(
      "delivery.agent",
      () => (agents.get(id) as unknown as AgentRpc).call({ tenant: sub.tenant, id: target.agent }, sub.caller, { action: target.action, input, idempotencyKey, keyOrigin: "client" }),
      ctx.telemetry,
    );
    return { ok: true };
  } catch (error) {
    if (error instanceof ProblemError) return { ok: false, message: `agent answered ${error.status}: ${error.problem.detail ?? error.problem.title}` };
    return { ok: false, message: `agent call failed: ${error instanceof Error ? error.message : String(error)}` };
  }
};

const toWebhook = async (sub: SubscriptionRecord, event: CloudEvent, ctx: TargetContext): Promise<DeliveryOutcome> => {
  const target = sub.spec.target;
  if (target.kind !== "webhook" || !sub.secret) throw new Error("not a webhook target");
  const body = JSON.stringify(event);
  try {
    const response = await fetch(target.url, {
      method: "POST",
      headers: { "content-type": "application/cloudevents+json", ...(await webhookHeaders(sub.secret, event.id, ctx.now(), body)) },
      body,
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return response.ok ? { ok: true } : { ok: false, message: `webhook answered ${response.status}` };
  } catch (error) {
    return { ok: false, message: `webhook unreachable: ${error instanceof Error ? error.name : "error"}` };
  }
};

export const deliverEvent = (sub: SubscriptionRecord, event: CloudEvent, deliveryKey: string, ctx: TargetContext): Promise<DeliveryOutcome> => {
  switch (sub.spec.target.kind) {
    case "agent":
      return toAgent(sub, event, deliveryKey, ctx);
    case "webhook":
      return toWebhook(sub, event, ctx);
    case "live":
      return Promise.resolve(ctx.pushLive(sub.id, event) ? { ok: true } : { ok: false, message: "no live connection is attached" });
  }
};
