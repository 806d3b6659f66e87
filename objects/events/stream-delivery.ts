// The delivery loop of one stream: for each subscription (and replay job) it walks the
// log from the subscription's durable cursor, in order, delivering what the
// subscription wants, persisting the cursor after every step. A failure waits for its
// backoff (the object's alarm brings it back); the last failure sends the event to the
// subscription's dead-letter stream and delivery continues with the next event.
// A subscription past its expiry, or whose creator's token was revoked, delivers
// nothing (its cursor stays). Live subscriptions are not walked: they are pushed at
// append time, at most once, without a cursor (stream-live.ts).
import { sha256Hex } from "../../src/platform/canonical-json.ts";
import type { CloudEvent } from "../../src/platform/events/cloud-event.ts";
import { type DeliveryState, delivered, failed, initialDelivery, skipped, startCursor, wants } from "../../src/platform/events/delivery.ts";
import { deadLetterStream, type SubscriptionRecord, subscriptionExpired } from "../../src/platform/events/subscription.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import { appendToStream } from "../durable/index.ts";
import type { RevocationCheck } from "../security/index.ts";
import { deliverEvent, type TargetContext } from "./delivery-targets.ts";
import type { ReplayJob, StreamStore } from "./stream-store.ts";
import { suspensionOf } from "./suspension.ts";

const BATCH = 50;
const SWEEP_BUDGET_MS = 5_000;

export type DeliveryContext = TargetContext & {
  store: StreamStore;
  tenant: string;
  stream: string;
  streams: Env["STREAMS"];
  random: () => number;
  telemetry: Telemetry;
  revocations: RevocationCheck;
};

/** When stored work is due (null: none): a subscription behind the log, a replay, a notice. */
export const pendingSince = (store: StreamStore, now: number): number | null => {
  if (store.hasReplays() || store.notices.pending() > 0) return now;
  const last = store.lastSeq();
  const dues = store
    .subscriptions()
    .filter((sub) => sub.status === "active")
    .map((sub) => store.delivery(sub.id))
    .filter((state) => state === undefined || state.cursor < last)
    .map((state) => state?.dueAt ?? now);
  return dues.length === 0 ? null : Math.max(now, Math.min(...dues));
};

/** A subscription's state on this stream, created at its start position on first sight. */
export const deliveryStateOf = (ctx: DeliveryContext, sub: SubscriptionRecord): DeliveryState => {
  const existing = ctx.store.delivery(sub.id);
  if (existing) return existing;
  const state = initialDelivery(sub.id, startCursor(sub.spec.start, ctx.store.lastSeq()), ctx.now());
  ctx.store.putDelivery(state);
  return state;
};

const deadLetter = async (ctx: DeliveryContext, sub: SubscriptionRecord, event: CloudEvent, message: string): Promise<void> => {
  const stream = deadLetterStream(sub.id);
  const letter = {
    id: `dl-${(await sha256Hex(`${sub.id}\n${event.id}`)).slice(0, 40)}`,
    source: "platform/events",
    type: "subscription.dead_lettered",
    subject: event.id,
    time: new Date(ctx.now()).toISOString(),
    data: { subscription: sub.id, error: message, event },
  };
  await appendToStream(ctx.streams, { tenant: ctx.tenant, stream }, [letter], ctx.telemetry, "delivery.dead_letter");
  ctx.telemetry.emit("events.dead_lettered", { count: 1 }, { tenant: ctx.tenant, stream: ctx.stream, subscription: sub.id });
};

/**
 * Delivers from `state` on; answers the state reached and when to come back
 * (null: caught up).
 */
const walk = async (
  ctx: DeliveryContext,
  sub: SubscriptionRecord,
  state: DeliveryState,
  deliveryKey: string,
  to: number,
  persist: (state: DeliveryState) => void,
  deadline: number,
): Promise<{ state: DeliveryState; dueAt: number | null }> => {
  if (sub.status !== "active" || (await suspensionOf(ctx.revocations, sub, ctx.now())) !== null) return { state, dueAt: null };
  while (ctx.now() < deadline) {
    if (subscriptionExpired(sub, ctx.now())) return { state, dueAt: null };
    if (state.dueAt > ctx.now()) return { state, dueAt: state.dueAt };
    const rows = ctx.store.read(state.cursor + 1, BATCH, to);
    if (rows.length === 0) return { state, dueAt: null };
    for (const row of rows) {
      const event = JSON.parse(row.body) as CloudEvent;
      if (!wants(sub.spec, event)) {
        state = skipped(state, row.seq);
        continue;
      }
      const started = ctx.now();
      const outcome = await deliverEvent(sub, event, deliveryKey, ctx);
      ctx.telemetry.emit(outcome.ok ? "events.delivered" : "events.delivery_failed", { duration_ms: ctx.now() - started }, {
        tenant: ctx.tenant,
        stream: ctx.stream,
        subscription: sub.id,
        target: sub.spec.target.kind,
      });
      if (outcome.ok) {
        state = delivered(state, row.seq, ctx.now());
        persist(state);
        continue;
      }
      const failure = failed(state, row.seq, outcome.message, sub.spec.delivery, ctx.now(), ctx.random);
      if (failure.deadLetter) await deadLetter(ctx, sub, event, outcome.message);
      state = failure.state;
      persist(state);
      if (!failure.deadLetter) return { state, dueAt: state.dueAt };
    }
    persist(state);
  }
  return { state, dueAt: ctx.now() };
};

/** One pass over every subscription and replay job; answers when the next pass is due. */
export const sweep = async (ctx: DeliveryContext): Promise<number | null> => {
  const deadline = ctx.now() + SWEEP_BUDGET_MS;
  const subscriptions = new Map(ctx.store.subscriptions().map((sub) => [sub.id, sub]));
  const passes = [...subscriptions.values()].filter((sub) => sub.spec.target.kind !== "live").map(async (sub) => {
    const state = deliveryStateOf(ctx, sub);
    const result = await walk(ctx, sub, state, `sub:${sub.id}`, Number.MAX_SAFE_INTEGER, (next) => ctx.store.putDelivery(next), deadline);
    ctx.telemetry.emit("events.subscription_lag", { lag: Math.max(0, ctx.store.lastSeq() - result.state.cursor) }, { tenant: ctx.tenant, stream: ctx.stream, subscription: sub.id });
    return result.dueAt;
  });
  const replays = ctx.store.replays().map(async (job: ReplayJob) => {
    const sub = subscriptions.get(job.subscriptionId);
    if (!sub) {
      ctx.store.removeReplay(job.id);
      return null;
    }
    const persist = (next: DeliveryState) => ctx.store.putReplay({ ...job, state: next });
    const result = await walk(ctx, { ...sub, status: "active" }, job.state, `replay:${job.id}`, job.to, persist, deadline);
    if (result.dueAt === null && result.state.cursor >= Math.min(job.to, ctx.store.lastSeq())) ctx.store.removeReplay(job.id);
    return result.dueAt;
  });
  const dues = (await Promise.all([...passes, ...replays])).filter((due): due is number => due !== null);
  return dues.length === 0 ? null : Math.min(...dues);
};
