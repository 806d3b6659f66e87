// The bus's subscription changes as pending work: each is written down (table `pending`,
// op `push` or `remove`) before it reaches the streams, with the alarm behind it, so a
// change cut short by a restart is finished by the alarm. A subscription being deleted
// is marked first, so a stream registering meanwhile is never handed it. The bus runs
// these one at a time (its mailbox); this module holds the writing down and the finishing.
import { callDurable } from "../../src/platform/durable-call.ts";
import type { SubscriptionRecord } from "../../src/platform/events/subscription.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import type { Logger } from "../../src/platform/telemetry/logger.ts";
import { armEarliest } from "../durable/index.ts";
import { streamsFor, streamStub } from "./bus-streams.ts";

/** When the alarm comes back to finish a change the streams have not all taken. */
const PENDING_RETRY_MS = 5_000;

/** Work written down before it reaches the streams: `push` a record to them, or `remove` it from them (then delete it). */
type PendingOp = "push" | "remove";

export type PendingContext = { storage: DurableObjectStorage; sql: SqlStorage; streams: Env["STREAMS"]; telemetry: Telemetry; log: Logger };

export const pendingChanges = (sql: SqlStorage): { id: string; op: PendingOp }[] =>
  sql.exec<{ id: string; op: PendingOp }>("SELECT id, op FROM pending ORDER BY id").toArray();

export const isDeleting = (sql: SqlStorage, id: string): boolean => sql.exec("SELECT 1 FROM pending WHERE id = ? AND op = 'remove'", id).toArray().length > 0;

const push = async (bus: PendingContext, record: SubscriptionRecord): Promise<void> => {
  await Promise.all(
    streamsFor(bus.sql, record).map((name) =>
      callDurable("bus.push_subscription", () => streamStub(bus.streams, record.tenant, name).upsertSubscription({ tenant: record.tenant, stream: name }, record), bus.telemetry),
    ),
  );
};

/** Writes `record` and the push it needs in one transaction, then pushes it (the alarm finishes a push cut short). */
export const saveSubscription = async (bus: PendingContext, record: SubscriptionRecord, extra: () => void = () => undefined): Promise<void> => {
  bus.storage.transactionSync(() => {
    bus.sql.exec("INSERT OR REPLACE INTO subscriptions (id, record) VALUES (?, ?)", record.id, JSON.stringify(record));
    bus.sql.exec("INSERT OR REPLACE INTO pending (id, op) VALUES (?, 'push')", record.id);
    extra();
  });
  await armEarliest(bus.storage, [Date.now() + PENDING_RETRY_MS]);
  await push(bus, record);
  bus.sql.exec("DELETE FROM pending WHERE id = ? AND op = 'push'", record.id);
};

/** Removes the subscription from every stream that holds it, then deletes it; marked first, so no stream registering meanwhile takes it. */
export const deleteSubscription = async (bus: PendingContext, record: SubscriptionRecord): Promise<void> => {
  bus.sql.exec("INSERT OR REPLACE INTO pending (id, op) VALUES (?, 'remove')", record.id);
  await armEarliest(bus.storage, [Date.now() + PENDING_RETRY_MS]);
  await Promise.all(
    streamsFor(bus.sql, record).map((name) =>
      callDurable("bus.remove_subscription", () => streamStub(bus.streams, record.tenant, name).removeSubscription({ tenant: record.tenant, stream: name }, record.id), bus.telemetry),
    ),
  );
  bus.storage.transactionSync(() => {
    for (const table of ["subscriptions", "pending", "create_keys"]) bus.sql.exec(`DELETE FROM ${table} WHERE id = ?`, record.id);
  });
};

/** Finishes the changes the streams have not all taken (a push or a deletion cut short). Run in the bus's mailbox. */
export const finishPending = async (bus: PendingContext, find: (id: string) => SubscriptionRecord): Promise<void> => {
  for (const { id, op } of pendingChanges(bus.sql)) {
    try {
      if (bus.sql.exec("SELECT 1 FROM subscriptions WHERE id = ?", id).toArray().length === 0) {
        bus.sql.exec("DELETE FROM pending WHERE id = ?", id);
        continue;
      }
      const record = find(id);
      if (op === "remove") await deleteSubscription(bus, record);
      else {
        await push(bus, record);
        bus.sql.exec("DELETE FROM pending WHERE id = ? AND op = 'push'", id);
      }
    } catch (error) {
      bus.log.warn("a subscription change did not reach every stream; the alarm retries", { subscription: id, op, error: String(error) });
    }
  }
};

/** Brings the alarm back while any change is left. */
export const rearmWhilePending = async (bus: PendingContext): Promise<void> => {
  if (pendingChanges(bus.sql).length > 0) await armEarliest(bus.storage, [Date.now() + PENDING_RETRY_MS]);
};
