// Whether a subscription may still act for its creator: checked where it acts (each
// delivery pass, each live push) and shown in its view, rather than pausing it when a
// revocation happens, so that a revocation made anywhere, by token id or by subject,
// reaches every stream without a message to each.
import { type SubscriptionRecord, type Suspension, subscriptionDelegator, subscriptionExpired } from "../../src/platform/events/subscription.ts";
import type { RevocationCheck } from "../security/index.ts";

export const suspensionOf = async (revocations: RevocationCheck, sub: SubscriptionRecord, now: number): Promise<Suspension | null> => {
  if (subscriptionExpired(sub, now)) return "expired";
  const delegator = subscriptionDelegator(sub);
  if (delegator === null) return null;
  const [revoked] = await revocations(sub.tenant, [delegator]);
  return revoked ? "revoked" : null;
};
