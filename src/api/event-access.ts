// How routes reach the event bus: a tenant's streams and its bus directory, through
// the transient-fault retry of callDurable.
import type { Context } from "hono";
import { typedStub } from "../../objects/durable/index.ts";
import type { EventBusStub, EventStreamStub, StreamAddress, TenantAddress } from "../../objects/events/index.ts";
import { callDurable } from "../platform/durable-call.ts";
import { traceCarrier } from "../platform/telemetry/spans.ts";
import { busObjectName, streamObjectName } from "../platform/events/naming.ts";
import type { Result } from "../platform/result.ts";
import type { Telemetry } from "../platform/telemetry/emitter.ts";
import type { AppEnv } from "../env.ts";

export const onStream = <T>(
  c: Context<AppEnv>,
  stream: string,
  telemetry: Telemetry,
  operation: string,
  fn: (rpc: EventStreamStub, at: StreamAddress) => Promise<Result<T>>,
): Promise<T> => {
  const tenant = c.get("tenant");
  const namespace = c.env.STREAMS;
  const id = namespace.idFromName(streamObjectName(tenant, stream));
  return callDurable(`stream.${operation}`, () => fn(typedStub(namespace.get(id)), { tenant, stream, trace: traceCarrier() }), telemetry);
};

export const onBus = <T>(
  c: Context<AppEnv>,
  telemetry: Telemetry,
  operation: string,
  fn: (rpc: EventBusStub, at: TenantAddress) => Promise<Result<T>>,
): Promise<T> => {
  const tenant = c.get("tenant");
  const namespace = c.env.BUS;
  const id = namespace.idFromName(busObjectName(tenant));
  return callDurable(`bus.${operation}`, () => fn(typedStub(namespace.get(id)), { tenant }), telemetry);
};

/** The raw stub, for the WebSocket tail: `fetch` is not an RPC method. */
export const streamStub = (c: Context<AppEnv>, stream: string): ReturnType<AppEnv["Bindings"]["STREAMS"]["get"]> =>
  c.env.STREAMS.get(c.env.STREAMS.idFromName(streamObjectName(c.get("tenant"), stream)));
