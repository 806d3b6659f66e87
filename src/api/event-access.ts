// How routes reach the event bus: a tenant's streams and its bus directory, through
// the transient-fault retry of callDurable.
import type { Context } from "hono";
import { type TypedStub, typedStub } from "../../objects/durable/index.ts";
import type { EventBus, EventStream, StreamAddress, TenantAddress } from "../../objects/events/index.ts";
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
  fn: (rpc: TypedStub<EventStream>, at: StreamAddress) => Promise<Result<T>>,
): Promise<T> => {
  const tenant = c.get("tenant");
  const namespace = c.env.STREAMS;
  const id = namespace.idFromName(streamObjectName(tenant, stream));
  return callDurable(`stream.${operation}`, () => fn(typedStub(namespace.get(id)), { tenant, stream }), telemetry);
};

export const onBus = <T>(
  c: Context<AppEnv>,
  telemetry: Telemetry,
  operation: string,
  fn: (rpc: TypedStub<EventBus>, at: TenantAddress) => Promise<Result<T>>,
): Promise<T> => {
  const tenant = c.get("tenant");
  const namespace = c.env.BUS;
  const id = namespace.idFromName(busObjectName(tenant));
  return callDurable(`bus.${operation}`, () => fn(typedStub(namespace.get(id)), { tenant }), telemetry);
};

export const streamStub = (c: Context<AppEnv>, stream: string): DurableObjectStub<EventStream> =>
  c.env.STREAMS.get(c.env.STREAMS.idFromName(streamObjectName(c.get("tenant"), stream)));
