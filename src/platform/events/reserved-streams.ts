// Streams the platform alone writes: the audit trail of denials, workflow transitions,
// and dead letters. Publishers cannot append to them, and agents cannot emit into them,
// so nothing there can be forged.
import { AUDIT_STREAM } from "../security/audit.ts";
import { defaultStream } from "./cloud-event.ts";

export const WORKFLOW_STREAM = "workflow";

export const isReservedStream = (stream: string): boolean =>
  stream === AUDIT_STREAM || stream === WORKFLOW_STREAM || stream.startsWith("dlq.");

/** Whether an agent's event of this type would land in a reserved stream (agents' events go to their type's stream). */
export const isReservedEventType = (type: string): boolean => isReservedStream(defaultStream(type));
