// How the rest of the platform consults a tenant's revocations: through one cache per
// isolate (fresh for REVOCATION_CACHE_MS, so not every request reaches the object), filled
// in one lookup per batch of unknown keys. A revocation made in this isolate is written
// into its cache at once; other isolates see it within the cache's freshness.
import { callDurable } from "../../src/platform/durable-call.ts";
import type { Delegator } from "../../src/platform/security/delegation.ts";
import {
  createRevocationCache,
  keyString,
  keysOf,
  type RevocationKey,
  type RevocationRequest,
  type Revoked,
  revocationOf,
  revocationsObjectName,
  type RevocationView,
} from "../../src/platform/security/revocation.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import { typedStub } from "../durable/index.ts";

const cache = createRevocationCache();
const LOOKUP_BATCH = 1_000;

const stubOf = (namespace: Env["REVOCATIONS"], tenant: string) => typedStub(namespace.get(namespace.idFromName(revocationsObjectName(tenant))));

/** For each credential, how it was revoked, or null. */
export type RevocationCheck = (tenant: string, credentials: readonly Delegator[]) => Promise<(Revoked | null)[]>;

export const revocationCheck =
  (namespace: Env["REVOCATIONS"], telemetry: Telemetry): RevocationCheck =>
  async (tenant, credentials) => {
    if (credentials.length === 0) return [];
    const now = Date.now();
    const known = new Map<string, number | null>();
    const missing: RevocationKey[] = [];
    const seen = new Set<string>();
    for (const key of credentials.flatMap(keysOf)) {
      const id = keyString(key);
      if (seen.has(id)) continue;
      seen.add(id);
      const cached = cache.get(tenant, key, now);
      if (cached === undefined) missing.push(key);
      else known.set(id, cached);
    }
    for (let start = 0; start < missing.length; start += LOOKUP_BATCH) {
      const batch = missing.slice(start, start + LOOKUP_BATCH);
      const times = await callDurable("revocations.lookup", () => stubOf(namespace, tenant).lookup({ tenant }, batch), telemetry);
      batch.forEach((key, i) => {
        const revokedAt = times[i] ?? null;
        cache.set(tenant, key, revokedAt, now);
        known.set(keyString(key), revokedAt);
      });
    }
    return credentials.map((credential) => revocationOf(credential, (key) => known.get(keyString(key))));
  };

/** Records a revocation in the tenant's object and in this isolate's cache. */
export const revoke = async (
  namespace: Env["REVOCATIONS"],
  telemetry: Telemetry,
  tenant: string,
  by: string,
  request: RevocationRequest,
): Promise<{ created: boolean; revocation: RevocationView }> => {
  const outcome = await callDurable("revocations.revoke", () => stubOf(namespace, tenant).revoke({ tenant }, by, request), telemetry);
  const { kind, value, revokedAt } = outcome.revocation;
  cache.set(tenant, { kind, value }, Date.parse(revokedAt), Date.now());
  return outcome;
};

export const listRevocations = (namespace: Env["REVOCATIONS"], telemetry: Telemetry, tenant: string, query: { limit: number; cursor?: string | undefined }) =>
  callDurable("revocations.list", () => stubOf(namespace, tenant).list({ tenant }, query), telemetry);
