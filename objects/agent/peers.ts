// Agent-to-agent calls: an action's `ctx.call` reaches another agent of the same tenant
// through its object, carrying this agent's grants as credentials (the target checks
// them like a token's). A grant whose delegating token (or its subject) was revoked is
// left out: checked at use, so a revocation reaches grants given long before. The
// idempotency key is derived from the calling action's key and the call's position, so
// a retried action has each of its calls' effects once.
import { ActionError } from "../../src/platform/agent/action-error.ts";
import { agentObjectName } from "../../src/platform/agent/naming.ts";
import type { AgentCallRequest } from "../../src/platform/agent/runtime-deps.ts";
import { sha256Hex } from "../../src/platform/canonical-json.ts";
import { callDurable } from "../../src/platform/durable-call.ts";
import { ProblemError } from "../../src/platform/problem.ts";
import type { Caller } from "../../src/platform/security/caller.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import { legacyDelegator } from "../../src/platform/security/delegation.ts";
import type { StoredGrant } from "../../src/platform/security/grants.ts";
import { traceCarrier } from "../../src/platform/telemetry/spans.ts";
import { typedStub } from "../durable/index.ts";
import type { RevocationCheck } from "../security/index.ts";
import type { AgentCore } from "./core.ts";
import { activeGrants } from "./grants.ts";

const codeOf = (type: string): string => type.slice(type.lastIndexOf("/") + 1) || "call_failed";

/** The agent's unexpired grants whose delegator is not revoked. */
export const usableGrants = async (core: AgentCore, tenant: string, revocations: RevocationCheck): Promise<StoredGrant[]> => {
  const held = activeGrants(core.store.sql, core.deps.now());
  const delegated = held.flatMap((grant) => {
    const delegator = grant.delegator ?? legacyDelegator(grant.grantedBy, grant.createdAt);
    return delegator ? [{ grant, delegator }] : [];
  });
  const revoked = await revocations(tenant, delegated.map((entry) => entry.delegator));
  const voided = new Set(delegated.filter((_, i) => revoked[i] !== null).map((entry) => entry.grant.id));
  if (voided.size > 0) core.deps.telemetry.emit("security.grants_voided", { count: voided.size }, { tenant });
  return held.filter((grant) => !voided.has(grant.id));
};

export const agentCaller =
  (core: AgentCore, agents: Env["AGENTS"], telemetry: Telemetry, revocations: RevocationCheck) =>
  async (request: AgentCallRequest): Promise<unknown> => {
    const { from, to, action, input, key } = request;
    const idempotencyKey = key.explicit ?? `a2a:${(await sha256Hex(`${from.id}\n${key.parent}\n${key.index}`)).slice(0, 48)}`;
    const objectId = agents.idFromName(agentObjectName(from.tenant, to));
    try {
      const caller: Caller = {
        kind: "agent",
        id: from.id,
        type: from.type,
        tenant: from.tenant,
        grants: (await usableGrants(core, from.tenant, revocations)).map(({ name, constraints, grantedBy, expiresAt }) => ({ name, constraints, grantedBy, expiresAt })),
      };
      const outcome = await callDurable(
        "agent.peer_call",
        () => typedStub(agents.get(objectId)).call({ tenant: from.tenant, id: to, trace: traceCarrier() }, caller, { action, input, idempotencyKey, keyOrigin: "client" }),
        telemetry,
      );
      return outcome.output;
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      const { status, detail, title, type } = error.problem;
      throw new ActionError(codeOf(type), `Agent '${to}' answered ${status}: ${detail ?? title}`, {
        retryable: status >= 500 || status === 429,
        details: { status, agent: to, action },
      });
    }
  };
