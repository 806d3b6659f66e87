// How an object's transactional outbox reaches the bus: appends one batch of events to
// one stream object (tenant-scoped name, a fresh stub per attempt, transient faults
// retried). The stream stores an id once, so a batch sent again after a crash is
// harmless. How big a batch is: src/platform/events/outbox-batch.ts.
import { callDurable } from "../src/platform/durable-call.ts";
import { streamObjectName } from "../src/platform/events/naming.ts";
import type { Telemetry } from "../src/platform/telemetry/emitter.ts";
import type { EventStreamRpc } from "./event-stream.ts";

export const appendToStream = async (
  streams: DurableObjectNamespace,
  at: { tenant: string; stream: string },
  events: readonly unknown[],
  telemetry: Telemetry,
): Promise<void> => {
  const id = streams.idFromName(streamObjectName(at.tenant, at.stream));
  await callDurable("outbox.append", () => (streams.get(id) as unknown as EventStreamRpc).append(at, events), telemetry);
};
