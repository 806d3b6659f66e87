// Delivering one event to a subscription's target. An agent action is called with the
// input the subscription maps from the event (input-mapping.ts) and an idempotency key
// made from the subscription (or replay) and the event id, so a redelivered event has
// its effect once, and it is checked against the subscription creator's capabilities.
// A webhook gets the CloudEvent signed in the Standard Webhooks format, after the
// deployment's webhook policy is checked again (it may have changed since the
// subscription was created); redirects are not followed, so a receiver cannot send the
// platform elsewhere. Failures come back as data for the retry schedule; a webhook's tell
// the subscriber only the status or that it was unreachable, never what the network
// stack said (that would map the network for them). Each delivery is a span in the trace
// of the event's publish (its `traceparent`), linked to the sweep that made it; a
// webhook's request is a client span whose traceparent the receiver gets.
import { agentObjectName } from "../../src/platform/agent/naming.ts";
import { sha256Hex } from "../../src/platform/canonical-json.ts";
import { callDurable } from "../../src/platform/durable-call.ts";
import type { CloudEvent } from "../../src/platform/events/cloud-event.ts";
import { mapInput } from "../../src/platform/events/input-mapping.ts";
import type { SubscriptionRecord } from "../../src/platform/events/subscription.ts";
import { checkWebhookUrl, type WebhookVerdict, WebhookPolicyConfigError, webhookPolicyFrom } from "../../src/platform/events/webhook-policy.ts";
import { webhookHeaders } from "../../src/platform/events/webhook-signature.ts";
import { ProblemError } from "../../src/platform/problem.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import {
  ATTR_DELIVERY_TARGET,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_SERVER_ADDRESS,
  ATTR_TENANT,
  ATTR_URL_FULL,
  MESSAGING_SYSTEM,
} from "../../src/platform/telemetry/semconv.ts";
import { contextOf, linkTo, SpanKind, traceCarrier, withSpan } from "../../src/platform/telemetry/spans.ts";
import { typedStub } from "../durable/index.ts";

export type DeliveryOutcome = { ok: true } | { ok: false; message: string };

export type TargetContext = {
  env: Pick<Env, "AGENTS" | "JIDO_WEBHOOK_ALLOW" | "JIDO_WEBHOOK_ALLOW_HTTP">;
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
      () => typedStub(agents.get(id)).call({ tenant: sub.tenant, id: target.agent, trace: traceCarrier() }, sub.caller, { action: target.action, input, idempotencyKey, keyOrigin: "client" }),
      ctx.telemetry,
    );
    return { ok: true };
  } catch (error) {
    if (error instanceof ProblemError) return { ok: false, message: `agent answered ${error.status}: ${error.problem.detail ?? error.problem.title}` };
    return { ok: false, message: `agent call failed: ${error instanceof Error ? error.message : String(error)}` };
  }
};

/** The policy's verdict under the deployment's current variables; a malformed configuration admits nothing. */
const policyVerdict = (url: string, env: TargetContext["env"]): WebhookVerdict => {
  try {
    return checkWebhookUrl(url, webhookPolicyFrom(env));
  } catch (error) {
    if (error instanceof WebhookPolicyConfigError) return { ok: false, reason: error.message };
    throw error;
  }
};

const toWebhook = async (sub: SubscriptionRecord, event: CloudEvent, ctx: TargetContext): Promise<DeliveryOutcome> => {
  const target = sub.spec.target;
  if (target.kind !== "webhook" || !sub.secret) throw new Error("not a webhook target");
  const verdict = policyVerdict(target.url, ctx.env);
  if (!verdict.ok) {
    ctx.telemetry.emit("events.webhook_refused", {}, { tenant: sub.tenant, subscription: sub.id, reason: verdict.reason });
    return { ok: false, message: "webhook target refused by policy" };
  }
  const body = JSON.stringify(event);
  const attributes = { [ATTR_HTTP_REQUEST_METHOD]: "POST", [ATTR_URL_FULL]: `${verdict.url.origin}${verdict.url.pathname}`, [ATTR_SERVER_ADDRESS]: verdict.url.hostname };
  return withSpan("POST", { kind: SpanKind.CLIENT, attributes }, (span) => post(verdict.url, body, sub.secret!, event, ctx, (status) => span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status)));
};

const post = async (url: URL, body: string, secret: string, event: CloudEvent, ctx: TargetContext, answered: (status: number) => void): Promise<DeliveryOutcome> => {
  const trace = traceCarrier();
  try {
    const response = await fetch(url.href, {
      method: "POST",
      headers: { "content-type": "application/cloudevents+json", ...(trace ?? {}), ...(await webhookHeaders(secret, event.id, ctx.now(), body)) },
      body,
      // A 3xx is the receiver's answer, a failed delivery: following it would let a
      // public receiver point the platform at a host the policy refuses.
      redirect: "manual",
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    await response.body?.cancel();
    answered(response.status);
    return response.ok ? { ok: true } : { ok: false, message: `webhook answered ${response.status}` };
  } catch {
    // Connection refused, reset, DNS failure, TLS failure, timeout: all the same to the
    // subscriber, so that lastError is no probe of what answers where.
    return { ok: false, message: "webhook unreachable" };
  }
};

/** One delivery, as a span continuing the trace the event was published in. */
export const deliverEvent = (sub: SubscriptionRecord, event: CloudEvent, deliveryKey: string, ctx: TargetContext): Promise<DeliveryOutcome> => {
  const published = event.traceparent === undefined ? undefined : { traceparent: event.traceparent, ...(event.tracestate === undefined ? {} : { tracestate: event.tracestate }) };
  const attributes = {
    [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM,
    [ATTR_MESSAGING_OPERATION_TYPE]: "process",
    [ATTR_MESSAGING_OPERATION_NAME]: "deliver",
    [ATTR_MESSAGING_DESTINATION_NAME]: event.stream,
    [ATTR_MESSAGING_MESSAGE_ID]: event.id,
    [ATTR_MESSAGING_CONSUMER_GROUP_NAME]: sub.id,
    [ATTR_DELIVERY_TARGET]: sub.spec.target.kind,
    [ATTR_TENANT]: sub.tenant,
  };
  const options = published ? { parent: contextOf(published), links: linkTo(traceCarrier()) } : {};
  return withSpan(`deliver ${event.stream}`, { kind: SpanKind.CONSUMER, attributes, ...options }, async (span) => {
    const outcome = await deliverTo(sub, event, deliveryKey, ctx);
    if (!outcome.ok) span.setStatus({ code: 2, message: outcome.message });
    return outcome;
  });
};

const deliverTo = (sub: SubscriptionRecord, event: CloudEvent, deliveryKey: string, ctx: TargetContext): Promise<DeliveryOutcome> => {
  switch (sub.spec.target.kind) {
    case "agent":
      return toAgent(sub, event, deliveryKey, ctx);
    case "webhook":
      return toWebhook(sub, event, ctx);
    case "live":
      return Promise.resolve(ctx.pushLive(sub.id, event) ? { ok: true } : { ok: false, message: "no live connection is attached" });
  }
};
