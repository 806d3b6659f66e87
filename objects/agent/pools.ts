// The host side of an action's `ctx.acquire`: the agent asks its tenant's pool as
// `agent:<id>` (the requester the pool schedules by), after checking the agent holds
// `pools:acquire:<pool>` among its usable grants (a denial is audited, like a token's).
// A pool's refusal (404, 503 with Retry-After, ...) reaches the action as an ActionError
// carrying the problem's code and status; 5xx ones are retryable.
import { ActionError } from "../../src/platform/agent/action-error.ts";
import type { AgentIdentity, PoolAcquireRequest, PoolLease } from "../../src/platform/agent/runtime-deps.ts";
import { poolAcquireCapability, poolResource } from "../../src/platform/pools/capabilities.ts";
import { agentRequester } from "../../src/platform/pools/naming.ts";
import { ProblemError } from "../../src/platform/problem.ts";
import type { Caller } from "../../src/platform/security/caller.ts";
import { checkCapability } from "../../src/platform/security/check.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import { acquireLease, onLease, type PoolBindings } from "../pools/index.ts";
import type { RevocationCheck } from "../security/index.ts";
import type { AgentCore } from "./core.ts";
import { usableGrants } from "./peers.ts";

const asActionError = (error: unknown, pool: string): unknown => {
  if (!(error instanceof ProblemError)) return error;
  const { status, detail, title, type } = error.problem;
  return new ActionError(type.slice(type.lastIndexOf("/") + 1) || "pool_failed", `Pool '${pool}' answered ${status}: ${detail ?? title}`, {
    retryable: status >= 500 || status === 429,
    details: { status, pool, ...(error.problem.retryAfter === undefined ? {} : { retryAfter: error.problem.retryAfter }) },
  });
};

export const agentPools = (core: AgentCore, env: PoolBindings, telemetry: Telemetry, revocations: RevocationCheck) => ({
  acquire: async ({ from, pool, units, options, key }: PoolAcquireRequest): Promise<PoolLease> => {
    const capability = poolAcquireCapability(pool);
    const grants = (await usableGrants(core, from.tenant, revocations)).map(({ name, constraints, grantedBy, expiresAt }) => ({ name, constraints, grantedBy, expiresAt }));
    const outcome = checkCapability(grants, capability, {}, core.deps.now());
    if (!outcome.ok) {
      const caller: Caller = { kind: "agent", id: from.id, type: from.type, tenant: from.tenant, grants };
      await core.audit({ caller, capability, reason: outcome.reason, resource: poolResource(pool), at: core.deps.now() });
      throw new ActionError("forbidden", `Missing capability '${capability}': ${outcome.reason}.`, { details: { status: 403, pool, capability } });
    }
    try {
      const lease = await acquireLease(env, telemetry, from.tenant, pool, { units, ...options, requester: agentRequester(from.id), key, since: core.deps.now() });
      return { id: lease.id, pool: lease.pool, units: lease.units, expiresAt: lease.expiresAt };
    } catch (error) {
      throw asActionError(error, pool);
    }
  },
  release: async (from: AgentIdentity, lease: PoolLease): Promise<void> => {
    try {
      await onLease(env, telemetry, from.tenant, "release", lease.id, { requester: agentRequester(from.id), anyRequester: false });
    } catch (error) {
      // Already gone (expired, or the pool deleted): nothing is held any more.
      if (error instanceof ProblemError && error.status === 404) return;
      throw error;
    }
  },
});
