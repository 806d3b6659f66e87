// Drains an agent's outbox into the event bus. Events were committed with the state
// that caused them; here they are appended, in order, to their streams (the first
// segment of the type) as CloudEvents with source `agent/<type>/<id>`, and deleted only
// once the stream has acknowledged them. A crash in between appends them again with
// the same ids, which the stream stores once: at-least-once delivery, exactly-once
// storage.
import { defaultStream } from "../src/platform/events/cloud-event.ts";
import type { PendingEvent } from "../src/platform/agent/pending-event.ts";
import type { Telemetry } from "../src/platform/telemetry/emitter.ts";
import type { AgentCore } from "./agent-core.ts";
import { OUTBOX_BATCH, OUTBOX_MAX_BATCHES, withinBatchSize } from "../src/platform/events/outbox-batch.ts";
import { appendToStream } from "./stream-append.ts";

const toCloudEvent = (event: PendingEvent, source: string) => ({
  id: event.id,
  source,
  type: event.type,
  ...(event.subject === null ? {} : { subject: event.subject }),
  time: new Date(event.time).toISOString(),
  data: JSON.parse(event.data) as unknown,
});

/** Appends pending events to their streams; answers whether the outbox is now empty. */
export const drainOutbox = async (core: AgentCore, streams: DurableObjectNamespace, telemetry: Telemetry): Promise<boolean> => {
  for (let batch = 0; batch < OUTBOX_MAX_BATCHES; batch++) {
    const meta = core.meta;
    if (!meta) return true;
    const pending = withinBatchSize(core.store.listOutbox(OUTBOX_BATCH), (event) => event.data.length);
    if (pending.length === 0) return true;
    const byStream = new Map<string, PendingEvent[]>();
    for (const event of pending) {
      const stream = defaultStream(event.type);
      byStream.set(stream, [...(byStream.get(stream) ?? []), event]);
    }
    const source = `agent/${meta.type}/${meta.id}`;
    for (const [stream, events] of byStream) {
      await appendToStream(streams, { tenant: meta.tenant, stream }, events.map((event) => toCloudEvent(event, source)), telemetry);
      core.store.deleteOutbox(events.map((event) => event.id));
      telemetry.emit("agent.outbox.drained", { count: events.length }, { tenant: meta.tenant, agent_type: meta.type, stream });
    }
  }
  return core.store.outboxPending() === 0;
};
