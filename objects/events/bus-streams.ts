// Which of a tenant's streams a subscription applies to, and how the bus reaches them:
// shared by the bus's pending changes (pushing and removing) and its views (statuses).
import { streamObjectName } from "../../src/platform/events/naming.ts";
import type { SubscriptionRecord } from "../../src/platform/events/subscription.ts";
import { typedStub } from "../durable/index.ts";

/** Dead-letter streams only deliver to subscriptions that name them, so failures cannot loop. */
export const appliesTo = (record: SubscriptionRecord, stream: string): boolean =>
  record.spec.stream === undefined ? !stream.startsWith("dlq.") : record.spec.stream === stream;

/** The named stream, or every registered stream the subscription applies to. */
export const streamsFor = (sql: SqlStorage, record: SubscriptionRecord): string[] => {
  if (record.spec.stream !== undefined) return [record.spec.stream];
  return sql.exec<{ name: string }>("SELECT name FROM streams ORDER BY name").toArray().map((row) => row.name).filter((name) => appliesTo(record, name));
};

export const streamStub = (streams: Env["STREAMS"], tenant: string, name: string) => typedStub(streams.get(streams.idFromName(streamObjectName(tenant, name))));
