// Events an action emits, checked before they are committed to the agent's outbox:
// a dotted lowercase type whose stream (its first word) is not one only the platform
// writes (audit, workflow, dlq.*: an agent cannot forge those), JSON data within the
// size limit, a bounded count per call.
// Ids are assigned here so a redelivered event keeps its identity downstream.
import { LIMITS, fitsIn } from "./limits.ts";
import { defaultStream } from "../events/cloud-event.ts";
import { isReservedEventType } from "../events/reserved-streams.ts";
import { problem, type ProblemError } from "../problem.ts";

export type PendingEvent = {
  id: string;
  type: string;
  subject: string | null;
  /** JSON text of the event's data. */
  data: string;
  time: number;
};

const EVENT_TYPE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

const invalidEvent = (detail: string): ProblemError =>
  problem(500, "action-event-invalid", "The action emitted an invalid event", detail);

export const pendingEvent = (
  type: unknown,
  data: unknown,
  subject: unknown,
  ids: { newId: () => string; now: () => number },
  emittedSoFar: number,
): PendingEvent => {
  if (emittedSoFar >= LIMITS.eventsPerCall) {
    throw problem(422, "limit-exceeded", "Too many events", `An action may emit at most ${LIMITS.eventsPerCall} events per call.`);
  }
  if (typeof type !== "string" || type.length > 128 || !EVENT_TYPE.test(type)) {
    throw invalidEvent(`Event type ${JSON.stringify(type)} must be 1-128 characters of dotted lowercase words, such as 'order.created'.`);
  }
  if (isReservedEventType(type)) {
    throw invalidEvent(`Event type '${type}' goes to stream '${defaultStream(type)}', which only the platform writes.`);
  }
  if (subject !== undefined && subject !== null && (typeof subject !== "string" || subject.length > 256)) {
    throw invalidEvent("An event subject must be a string of at most 256 characters.");
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(data === undefined ? null : data);
  } catch {
    json = undefined;
  }
  if (json === undefined) throw invalidEvent(`The data of event '${type}' is not JSON-serialisable.`);
  if (!fitsIn(json, LIMITS.eventDataBytes)) {
    throw problem(422, "limit-exceeded", "Event too large", `The data of event '${type}' exceeds ${LIMITS.eventDataBytes} bytes.`);
  }
  return { id: ids.newId(), type, subject: typeof subject === "string" ? subject : null, data: json, time: ids.now() };
};
