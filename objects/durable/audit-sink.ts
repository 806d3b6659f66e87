// Writes audit records (denied access) to the tenant's `audit` stream. Awaited before
// the denial is answered, so an answered denial is on record; transient faults are
// retried like every call between objects. Also counted in telemetry.
import { AUDIT_STREAM, type Denial, denialEvent } from "../../src/platform/security/audit.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import { appendToStream } from "./append.ts";

export type AuditSink = (denial: Denial) => Promise<void>;

export const auditSink = (streams: Env["STREAMS"], telemetry: Telemetry): AuditSink => async (denial) => {
  const tenant = denial.caller.tenant;
  const event = denialEvent(denial, () => crypto.randomUUID());
  await appendToStream(streams, { tenant, stream: AUDIT_STREAM }, [event], telemetry, "audit.append");
  telemetry.emit("security.denied", { count: 1 }, { tenant, capability: denial.capability });
};
