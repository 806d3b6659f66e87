// Writes audit records (denied access) to the tenant's `audit` stream. Awaited before
// the denial is answered, so an answered denial is on record; transient faults are
// retried like every call between objects. Also counted in telemetry.
import { AUDIT_STREAM, type Denial, denialEvent } from "../src/platform/security/audit.ts";
import { callDurable } from "../src/platform/durable-call.ts";
import type { Telemetry } from "../src/platform/telemetry/emitter.ts";
import { streamObjectName } from "../src/platform/events/naming.ts";
import type { EventStreamRpc } from "./event-stream.ts";

export type AuditSink = (denial: Denial) => Promise<void>;

export const auditSink = (streams: DurableObjectNamespace, telemetry: Telemetry): AuditSink => async (denial) => {
  const tenant = denial.caller.tenant;
  const id = streams.idFromName(streamObjectName(tenant, AUDIT_STREAM));
  const event = denialEvent(denial, () => crypto.randomUUID());
  await callDurable("audit.append", () => (streams.get(id) as unknown as EventStreamRpc).append({ tenant, stream: AUDIT_STREAM }, [event]), telemetry);
  telemetry.emit("security.denied", { count: 1 }, { tenant, capability: denial.capability });
};
