// The events family: one EventStream per (tenant, stream) holding its log, cursors,
// delivery and live tail, and one EventBus per tenant holding its subscriptions and the
// streams they apply to. Other families reach streams through `Env["STREAMS"]`, whose
// stub type is derived from these classes.
export { EventBus, type SubscriptionView, type TenantAddress } from "./event-bus.ts";
export { type Appended, type AppendRequest, EventStream, type StreamAddress, type StreamInfo, type StreamPage } from "./event-stream.ts";
import type { TypedStub } from "../durable/index.ts";
import type { EventBus } from "./event-bus.ts";
import type { EventStream } from "./event-stream.ts";

/** A stream and a bus as the Worker calls them: `typedStub(env.STREAMS.get(id))`. */
export type EventStreamStub = TypedStub<EventStream>;
export type EventBusStub = TypedStub<EventBus>;
