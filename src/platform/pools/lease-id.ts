// Why: renew and release arrive with nothing but a lease id, and must reach the pool's
// object in the caller's tenant. The id carries its pool's name: `<pool>.<32 hex>` (the
// random part has no `.`, so the pool is everything before the last one). The tenant
// is never in it: it comes from the token, so an id shown to another tenant reaches
// nothing of this one.
import { isId } from "../ids.ts";
import { POOL_LIMITS } from "./limits.ts";

const RANDOM = /^[0-9a-f]{32}$/;

export const newLeaseId = (pool: string, random: () => string = () => crypto.randomUUID().replaceAll("-", "")): string => `${pool}.${random()}`;

/** The pool a lease id names, or null when it is not a lease id. */
export const poolOfLease = (leaseId: string): string | null => {
  const dot = leaseId.lastIndexOf(".");
  if (dot <= 0) return null;
  const pool = leaseId.slice(0, dot);
  if (!RANDOM.test(leaseId.slice(dot + 1)) || !isId(pool) || pool.length > POOL_LIMITS.nameChars) return null;
  return pool;
};
