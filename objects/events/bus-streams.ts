// Which of a tenant's streams a subscription applies to, and how the bus reaches them:
// shared by the bus's pending changes (pushing and removing) and its views (statuses).
import { streamObjectName } from "../../src/platform/events/naming.ts";
import { streamCovers, WORKFLOW_STREAM } from "../../src/platform/events/reserved-streams.ts";
import type { SubscriptionRecord } from "../../src/platform/events/subscription.ts";
import { typedStub } from "../durable/index.ts";

/** Dead-letter streams only deliver to subscriptions that name them, so failures cannot loop. A named `workflow` covers the run shards' streams. */
export const appliesTo = (record: SubscriptionRecord, stream: string): boolean =>
  record.spec.stream === undefined ? !stream.startsWith("dlq.") : streamCovers(record.spec.stream, stream);

/** The named stream (for `workflow`, with its run shards' streams), or every registered stream the subscription applies to. */
export const streamsFor = (sql: SqlStorage, record: SubscriptionRecord): string[] => {
  if (record.spec.stream !== undefined && record.spec.stream !== WORKFLOW_STREAM) return [record.spec.stream];
  if (record.spec.stream === WORKFLOW_STREAM) {
    const shards = sql.exec<{ name: string }>("SELECT name FROM streams WHERE substr(name, 1, 9) = 'workflow.' ORDER BY name").toArray().map((row) => row.name);
    return [WORKFLOW_STREAM, ...shards];
  }
  return sql.exec<{ name: string }>("SELECT name FROM streams ORDER BY name").toArray().map((row) => row.name).filter((name) => appliesTo(record, name));
};

export const streamStub = (streams: Env["STREAMS"], tenant: string, name: string) => typedStub(streams.get(streams.idFromName(streamObjectName(tenant, name))));
