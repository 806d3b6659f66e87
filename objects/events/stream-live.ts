// Live subscriptions of one stream: pushed when events are appended, at most once, to the
// connections attached then, without a cursor (a push is not known to be received), one
// append after another so that connections see events in stream order. Kept out of
// event-stream.ts, which only says when something was appended.
import type { CloudEvent } from "../../src/platform/events/cloud-event.ts";
import { wants } from "../../src/platform/events/delivery.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import { revocationCheck } from "../security/index.ts";
import type { StreamSettings, StreamStore } from "./stream-store.ts";
import { suspensionOf } from "./suspension.ts";

export type LiveContext = {
  ctx: DurableObjectState;
  store: StreamStore;
  revocations: Env["REVOCATIONS"];
  telemetry: Telemetry;
};

/**
 * Pushes appended events (sequences `from`..`to`) to the connections attached to the
 * live subscriptions that want them. A suspended subscription's connections are closed.
 */
export const pushLive = async (live: LiveContext, settings: StreamSettings, from: number, to: number): Promise<void> => {
  const active = live.store.subscriptions().filter((sub) => sub.spec.target.kind === "live" && sub.status === "active");
  const attached = active.filter((sub) => live.ctx.getWebSockets(`sub:${sub.id}`).length > 0);
  if (attached.length === 0) return;
  const revocations = revocationCheck(live.revocations, live.telemetry);
  const events = live.store.read(from, to - from + 1, to).map((row) => ({ body: row.body, event: JSON.parse(row.body) as CloudEvent }));
  for (const sub of attached) {
    const suspended = await suspensionOf(revocations, sub, Date.now());
    const sockets = live.ctx.getWebSockets(`sub:${sub.id}`);
    if (suspended !== null) {
      for (const ws of sockets) ws.close(1008, `subscription ${suspended}`);
      continue;
    }
    let pushed = 0;
    for (const { body, event } of events) {
      if (!wants(sub.spec, event)) continue;
      for (const ws of sockets) ws.send(body);
      pushed += 1;
    }
    if (pushed > 0) live.telemetry.emit("events.pushed_live", { count: pushed }, { tenant: settings.tenant, stream: settings.stream, subscription: sub.id });
  }
};

/** Queues live pushes one after another; a push that failed is not retried (at most once). */
export const createLivePushes = (live: LiveContext): ((settings: StreamSettings, from: number, to: number) => void) => {
  let pushes: Promise<void> = Promise.resolve();
  return (settings, from, to) => {
    pushes = pushes.then(() => pushLive(live, settings, from, to)).catch((error: unknown) => {
      live.telemetry.emit("events.live_push_failed", { count: 1 }, { tenant: settings.tenant, stream: settings.stream, error: error instanceof Error ? error.name : "unknown" });
    });
    live.ctx.waitUntil(pushes);
  };
};
