// Audit records of denied access: who, what, why, when. They are events of the
// tenant's `audit` stream on the event bus.
import type { Caller } from "./caller.ts";
import { callerName } from "./caller.ts";

export const AUDIT_STREAM = "audit";

export type Denial = {
  caller: Caller;
  capability: string;
  reason: string;
  /** What was being done, e.g. `agent/counter/c1`. */
  resource: string;
  at: number;
};

export const denialEvent = (denial: Denial, newId: () => string) => ({
  id: newId(),
  type: "security.access.denied",
  source: `platform/security`,
  subject: denial.resource,
  time: new Date(denial.at).toISOString(),
  data: {
    who: callerName(denial.caller),
    what: denial.capability,
    why: denial.reason,
    resource: denial.resource,
  },
});
