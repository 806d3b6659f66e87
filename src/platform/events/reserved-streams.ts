// Streams the platform alone writes: the audit trail of denials, workflow transitions,
// and dead letters. Publishers cannot append to them, so nothing there can be forged.
import { AUDIT_STREAM } from "../security/audit.ts";

export const WORKFLOW_STREAM = "workflow";

export const isReservedStream = (stream: string): boolean =>
  stream === AUDIT_STREAM || stream === WORKFLOW_STREAM || stream.startsWith("dlq.");
