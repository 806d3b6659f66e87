// `checkCapability(grants, capability, context)`: the seed's check_capability. Passes
// when a grant is unexpired, its name matches (see capability-name.ts) and its
// constraints hold for the call's context; otherwise says why, for the 403 and the
// audit trail.
import { capabilityMatches } from "./capability-name.ts";
import { checkConstraints, type Constraints } from "./constraints.ts";

export type Grant = {
  name: string;
  constraints: Constraints;
  grantedBy: string;
  /** Epoch ms; null for no expiry. */
  expiresAt: number | null;
};

export type CheckOutcome = { ok: true; grant: Grant } | { ok: false; reason: string };

export const checkCapability = (
  grants: readonly Grant[],
  capability: string,
  context: Record<string, unknown>,
  now: number,
): CheckOutcome => {
  let reason = `no grant of '${capability}'`;
  for (const grant of grants) {
    if (!capabilityMatches(grant.name, capability)) continue;
    if (grant.expiresAt !== null && grant.expiresAt <= now) {
      reason = `the grant '${grant.name}' expired at ${new Date(grant.expiresAt).toISOString()}`;
      continue;
    }
    const constraints = checkConstraints(grant.constraints, context);
    if (constraints.ok) return { ok: true, grant };
    reason = `the grant '${grant.name}' does not allow this call: ${constraints.reason}`;
  }
  return { ok: false, reason };
};
