// How an object of any family reaches the bus: appends one batch of events to one
// stream object (tenant-scoped name, a fresh stub per attempt, transient faults
// retried). The stream stores an id once, so a batch sent again after a crash is
// harmless. How big a batch is: src/platform/events/outbox-batch.ts.
import { callDurable } from "../../src/platform/durable-call.ts";
import { streamObjectName } from "../../src/platform/events/naming.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import { traceCarrier } from "../../src/platform/telemetry/spans.ts";
import { type TypedStub, typedStub } from "./typed-stub.ts";

export type StreamAppend = { tenant: string; stream: string };
/** The events an append takes, as the stream class declares them. */
export type AppendEvents = Parameters<TypedStub<StreamOf<Env["STREAMS"]>>["append"]>[1];
type StreamOf<N> = N extends DurableObjectNamespace<infer T> ? T : never;

export const appendToStream = async (
  streams: Env["STREAMS"],
  at: StreamAppend,
  events: AppendEvents,
  telemetry: Telemetry,
  operation = "outbox.append",
): Promise<void> => {
  const id = streams.idFromName(streamObjectName(at.tenant, at.stream));
  await callDurable(operation, () => typedStub(streams.get(id)).append({ ...at, trace: traceCarrier() }, events), telemetry);
};
