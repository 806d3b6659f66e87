// What appending an event to a stream asks of the caller, wherever events enter the bus
// from outside (POST /v1/events, a restored checkpoint's outbox), and whose an event id
// is once stored. Publishing is checked on the type AND on the stream the event lands
// in: `events:publish:<type>` covers the type's own stream (its first segment); naming
// another stream also needs `events:write:<stream>`, so a grant on one type cannot
// reach every stream.
import { defaultStream } from "./cloud-event.ts";

export type Requirement = { capability: string; context: Record<string, unknown> };

/** Constraints of publish grants are checked against the event's data when it is an object. */
const contextOf = (data: unknown): Record<string, unknown> =>
  typeof data === "object" && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {};

/** The capabilities publishing this event needs, in the order they are checked. */
export const publishRequirements = (event: { type: string; stream?: string | undefined; data?: unknown }): Requirement[] => {
  const context = contextOf(event.data);
  const requirements = [{ capability: `events:publish:${event.type}`, context }];
  if (event.stream !== undefined && event.stream !== defaultStream(event.type)) {
    requirements.push({ capability: `events:write:${event.stream}`, context });
  }
  return requirements;
};

/**
 * Who appended an event: `principal:<sub>` for a token holder, or the platform (agent and
 * run outboxes, the audit trail). Ids are de-duplicated per stream and per publisher, as
 * idempotent producers are (Kafka, EventStoreDB): the first publisher of an id owns it.
 */
export const PLATFORM_PUBLISHER = "platform";

/**
 * What an append of `id` by `publisher` is, given who stored it first (undefined: nobody;
 * null: stored before publishers were kept, so anyone may retry it). Another principal's
 * id is a conflict, answered as such rather than silently taken for a duplicate (which
 * would let a publisher claim ids ahead of the genuine one). The platform's own appends
 * are never refused: its ids are random UUIDs, except a restored outbox's, whose
 * restorer may publish them; a refused drain would block that outbox for good.
 */
export const idClaim = (owner: string | null | undefined, publisher: string): "new" | "duplicate" | "conflict" => {
  if (owner === undefined) return "new";
  if (owner === null || owner === publisher || publisher === PLATFORM_PUBLISHER) return "duplicate";
  return "conflict";
};
