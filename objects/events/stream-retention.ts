// Retention of one stream, run by its delivery loop (so never beside a delivery pass):
// deletes what the policy says, held behind the active subscriptions' cursors up to the
// deployment's backlog cap. A subscription the deletion passes (paused, or lagging past
// the cap) has its cursor moved past the gap, the gap recorded in its status and a
// `subscription.gap` event put in the stream's notices for its dead-letter stream, all
// in the transaction that deletes: no event is skipped without a word. Decisions:
// src/platform/events/retention.ts.
import type { CloudEvent } from "../../src/platform/events/cloud-event.ts";
import { type DeliveryState, initialDelivery, startCursor, wants } from "../../src/platform/events/delivery.ts";
import { type BacklogCap, type Gap, gapsAt, retentionCutoff } from "../../src/platform/events/retention.ts";
import { deadLetterStream, type SubscriptionRecord } from "../../src/platform/events/subscription.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import { drainOutbox } from "../durable/index.ts";
import type { StreamSettings, StreamStore } from "./stream-store.ts";

const SCAN_BATCH = 500;

/** How many events of each gap its subscription wanted (only those make a gap worth reporting). */
const wantedIn = (store: StreamStore, gaps: readonly Gap[], subscriptions: ReadonlyMap<string, SubscriptionRecord>): Map<string, number> => {
  const counts = new Map(gaps.map((gap) => [gap.subscriptionId, 0]));
  if (gaps.length === 0) return counts;
  const to = Math.max(...gaps.map((gap) => gap.to));
  let from = Math.min(...gaps.map((gap) => gap.from));
  for (;;) {
    const rows = store.read(from, SCAN_BATCH, to);
    for (const row of rows) {
      const event = JSON.parse(row.body) as CloudEvent;
      for (const gap of gaps) {
        const sub = subscriptions.get(gap.subscriptionId);
        if (sub && row.seq >= gap.from && row.seq <= gap.to && wants(sub.spec, event)) counts.set(gap.subscriptionId, (counts.get(gap.subscriptionId) ?? 0) + 1);
      }
    }
    const last = rows.at(-1);
    if (!last || rows.length < SCAN_BATCH) return counts;
    from = last.seq + 1;
  }
};

/** Applies retention once; answers the gaps it made (those that took events a subscription wanted). */
export const applyRetention = (store: StreamStore, settings: StreamSettings, cap: BacklogCap, now: number, telemetry: Telemetry): Gap[] =>
  store.transaction(() => {
    const policy = store.policyCutoff(settings.retention, now);
    if (policy === 0) return [];
    // Live subscriptions are pushed at most once, with no cursor: they hold nothing and lose nothing.
    const subscriptions = new Map(store.subscriptions().filter((sub) => sub.spec.target.kind !== "live").map((sub) => [sub.id, sub]));
    const states = new Map<string, DeliveryState>();
    for (const sub of subscriptions.values()) {
      states.set(sub.id, store.delivery(sub.id) ?? initialDelivery(sub.id, startCursor(sub.spec.start, store.lastSeq()), now));
    }
    const active = [...subscriptions.values()].filter((sub) => sub.status === "active").map((sub) => states.get(sub.id)!.cursor);
    const cutoff = retentionCutoff({ policy, cap: store.capCutoff(cap, now), activeCursors: active });
    const gaps = gapsAt(cutoff, store.firstSeq(), [...states.values()].map((state) => ({ subscriptionId: state.subscriptionId, cursor: state.cursor })));
    const wanted = wantedIn(store, gaps, subscriptions);
    const deleted = store.deleteThrough(cutoff);
    const reported: Gap[] = [];
    for (const gap of gaps) {
      const state = states.get(gap.subscriptionId)!;
      // Past the gap; an attempt under way was for an event that is gone.
      store.putDelivery({ ...state, cursor: gap.to, attempts: 0, dueAt: now });
      const count = wanted.get(gap.subscriptionId) ?? 0;
      if (count === 0) continue;
      reported.push(gap);
      store.addGap(gap.subscriptionId, { from: gap.from, to: gap.to, count, at: now });
      store.addNotice(deadLetterStream(gap.subscriptionId), {
        id: `gap-${crypto.randomUUID()}`,
        source: "platform/events",
        type: "subscription.gap",
        subject: gap.subscriptionId,
        time: new Date(now).toISOString(),
        data: { subscription: gap.subscriptionId, stream: settings.stream, from: gap.from, to: gap.to, count, reason: "retention" },
      });
      telemetry.emit("events.gap", { count }, { tenant: settings.tenant, stream: settings.stream, subscription: gap.subscriptionId });
    }
    if (deleted > 0) telemetry.emit("events.retained", { deleted }, { tenant: settings.tenant, stream: settings.stream });
    return reported;
  });

/** Appends pending notices to their streams; answers whether none is left. */
export const drainNotices = (store: StreamStore, streams: Env["STREAMS"], tenant: string, telemetry: Telemetry): Promise<boolean> =>
  store.notices.pending() === 0 ? Promise.resolve(true) : drainOutbox(store.notices, { streams, tenant, telemetry });
