// An agent's outbox as the shared drain sees it: the events its actions committed with
// their state, appended to their streams (the first segment of the type) as CloudEvents
// with source `agent/<type>/<id>`. The drain itself: objects/durable.
import { defaultStream } from "../../src/platform/events/cloud-event.ts";
import type { PendingEvent } from "../../src/platform/agent/pending-event.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import { drainOutbox, type Outbox, type OutboxEvent } from "../durable/index.ts";
import type { AgentCore } from "./core.ts";

const toCloudEvent = (event: PendingEvent, source: string): OutboxEvent => ({
  id: event.id,
  source,
  type: event.type,
  ...(event.subject === null ? {} : { subject: event.subject }),
  time: new Date(event.time).toISOString(),
  data: JSON.parse(event.data) as unknown,
});

/** Appends pending events to their streams; answers whether the outbox is now empty. */
export const drainAgentOutbox = async (core: AgentCore, streams: Env["STREAMS"], telemetry: Telemetry): Promise<boolean> => {
  const meta = core.meta;
  if (!meta) return true;
  const source = `agent/${meta.type}/${meta.id}`;
  const outbox: Outbox<PendingEvent> = {
    peek: (limit) => core.store.listOutbox(limit),
    size: (event) => event.data.length,
    streamOf: (event) => defaultStream(event.type),
    toEvent: (event) => toCloudEvent(event, source),
    remove: (events) => core.store.deleteOutbox(events.map((event) => event.id)),
    pending: () => core.store.outboxPending(),
  };
  return drainOutbox(outbox, { streams, tenant: meta.tenant, telemetry, labels: { agent_type: meta.type } });
};
