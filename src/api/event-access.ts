// How routes reach the event bus: a tenant's streams and its bus directory, through
// the transient-fault retry of callDurable.
import type { Context } from "hono";
import type { EventBusRpc } from "../../objects/event-bus.ts";
import type { EventStreamRpc } from "../../objects/event-stream.ts";
import { callDurable } from "../platform/durable-call.ts";
import { busObjectName, streamObjectName } from "../platform/events/naming.ts";
import type { Result } from "../platform/result.ts";
import type { Telemetry } from "../platform/telemetry/emitter.ts";
import type { AppEnv } from "../env.ts";

export const onStream = <T>(
  c: Context<AppEnv>,
  stream: string,
  telemetry: Telemetry,
  operation: string,
  fn: (rpc: EventStreamRpc, at: { tenant: string; stream: string }) => Promise<Result<T>>,
): Promise<T> => {
  const tenant = c.get("tenant");
  const namespace = c.env.STREAMS;
  const id = namespace.idFromName(streamObjectName(tenant, stream));
  return callDurable(`stream.${operation}`, () => fn(namespace.get(id) as unknown as EventStreamRpc, { tenant, stream }), telemetry);
};

export const onBus = <T>(
  c: Context<AppEnv>,
  telemetry: Telemetry,
  operation: string,
  fn: (rpc: EventBusRpc, at: { tenant: string }) => Promise<Result<T>>,
): Promise<T> => {
  const tenant = c.get("tenant");
  const namespace = c.env.BUS;
  const id = namespace.idFromName(busObjectName(tenant));
  return callDurable(`bus.${operation}`, () => fn(namespace.get(id) as unknown as EventBusRpc, { tenant }), telemetry);
};

export const streamStub = (c: Context<AppEnv>, stream: string): DurableObjectStub =>
  c.env.STREAMS.get(c.env.STREAMS.idFromName(streamObjectName(c.get("tenant"), stream)));
