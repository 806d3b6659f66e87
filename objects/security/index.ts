// The security family: one Revocations object per tenant (revoked token ids and
// subjects), and the cached check every other part of the platform consults.
export { type RevocationsAddress, Revocations } from "./revocations.ts";
export { listRevocations, revocationCheck, type RevocationCheck, revoke } from "./revocation-lookup.ts";
