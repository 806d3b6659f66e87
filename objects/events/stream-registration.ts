// A stream's registration with its tenant's bus: the first append (or the alarm) tells
// the bus this stream exists and takes the subscriptions that already apply to it. Kept
// out of event-stream.ts so the object keeps only the once-at-a-time guard around it.
import { callDurable } from "../../src/platform/durable-call.ts";
import { initialDelivery, startCursor } from "../../src/platform/events/delivery.ts";
import { busObjectName } from "../../src/platform/events/naming.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import { typedStub } from "../durable/index.ts";
import type { StreamSettings, StreamStore } from "./stream-store.ts";

/** Registers once with the bus and stores what it answered, marking the stream registered. */
export const registerWithBus = async (bus: Env["BUS"], store: StreamStore, settings: StreamSettings, telemetry: Telemetry): Promise<void> => {
  const stub = typedStub(bus.get(bus.idFromName(busObjectName(settings.tenant))));
  const subscriptions = await callDurable("bus.register_stream", () => stub.registerStream({ tenant: settings.tenant }, settings.stream), telemetry);
  const now = Date.now();
  store.transaction(() => {
    for (const record of subscriptions) {
      store.putSubscription(record);
      // These subscriptions existed before this stream did: they start with its first
      // event (or their own sequence), not after the events that created it.
      if (!store.delivery(record.id)) store.putDelivery(initialDelivery(record.id, startCursor(record.spec.start, 0), now));
    }
    store.saveSettings({ ...(store.settings() ?? settings), registered: true });
  });
};
