// Checkpoint and restore: a complete JSON snapshot of an agent, and a new agent made
// from one. Restoring the same checkpoint into the same id again answers the agent it
// made (idempotent); any other agent already there is a conflict. A restore gives what
// the checkpoint carries: its grants and its outbox's events need the restorer to hold
// them (grants) or to be allowed to publish them (events:publish:<type>).
import type { AgentStatus, AgentSummary, AgentView } from "../../src/platform/agent/agent-meta.ts";
import { type Checkpoint, CHECKPOINT_FORMAT, CHECKPOINT_IDEMPOTENCY_LIMIT } from "../../src/platform/agent/checkpoint.ts";
import { canonicalJson, sha256Hex } from "../../src/platform/canonical-json.ts";
import { hashedFingerprint } from "../../src/platform/agent/idempotency.ts";
import type { AgentAddress, SpawnOutcome } from "../../src/platform/agent/rpc.ts";
import { conflict, problem } from "../../src/platform/problem.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import type { Caller } from "../../src/platform/security/caller.ts";
import { type AgentCore, agentCapability, agentResource, authorize, deny, requireAuthorized, visibleView } from "./core.ts";
import { createAgent } from "./lifecycle.ts";
import { insertGrants, listGrants } from "./grants.ts";
import { grantView, mayDelegate } from "../../src/platform/security/grants.ts";
import { clampExpiry, delegationBound, delegatorOf } from "../../src/platform/security/delegation.ts";
import { isoTime as iso } from "../../src/platform/time.ts";
import { publishRequirements } from "../../src/platform/events/publish-access.ts";


export const takeCheckpoint = async (core: AgentCore, address: AgentAddress, caller: Caller): Promise<Checkpoint> => {
  const meta = await requireAuthorized(core, address, caller, "checkpoint");
  const now = core.deps.now();
  // Everything read in one turn, so the checkpoint is one moment of the agent.
  const records = core.store.listClientIdempotency(now, CHECKPOINT_IDEMPOTENCY_LIMIT);
  const checkpoint: Checkpoint = {
    format: CHECKPOINT_FORMAT,
    agent: { id: meta.id, type: meta.type, version: meta.version, status: meta.status },
    takenAt: iso(now),
    state: core.state,
    outbox: core.store.listOutbox().map((event) => ({ ...event, data: JSON.parse(event.data), time: iso(event.time) })),
    idempotency: records.map((record) => ({
      key: record.key,
      fingerprint: record.fingerprint,
      response: JSON.parse(record.response),
      expiresAt: iso(record.expiresAt),
    })),
    grants: listGrants(core.store.sql).map(grantView),
    metadata: {
      createdAt: iso(meta.createdAt),
      updatedAt: iso(meta.updatedAt),
      stateVersion: meta.stateVersion,
      counters: { calls: meta.counters.calls, failures: meta.counters.failures },
    },
  };
  // A checkpoint carries the hashed form of every fingerprint (idempotency.ts).
  for (const record of checkpoint.idempotency) record.fingerprint = await hashedFingerprint(record.fingerprint);
  return checkpoint;
};

/**
 * The status a restored agent is created in. A restore starts a new agent: onStart runs
 * (as at spawn) for a running or paused one, which stays paused; a stopped (or stopping)
 * one comes back running, since restoring is how it is brought back; an agent that failed
 * (or was starting) stays failed, and `start` retries it.
 */
const RESTORED_STATUS: Record<AgentStatus, AgentStatus> = {
  running: "running",
  paused: "paused",
  stopped: "running",
  stopping: "running",
  starting: "failed",
  failed: "failed",
};

export const restoreAgent = async (
  core: AgentCore,
  address: AgentAddress,
  caller: Caller,
  checkpoint: Checkpoint,
): Promise<SpawnOutcome<AgentView | AgentSummary>> => {
  const definition = core.registry.get(checkpoint.agent.type);
  if (!definition) {
    throw problem(422, "unknown-agent-type", "Unknown agent type", `The checkpoint is of type '${checkpoint.agent.type}', which this deployment does not host.`);
  }
  const resource = agentResource({ type: definition.name, id: address.id });
  await authorize(core, caller, agentCapability("restore", definition.name), resource);
  // Restoring grants gives them: the restorer must hold each, as for POST .../grants,
  // and they become the restorer's delegations (expiry clamped to its token, revoked with it).
  const restoredAt = core.deps.now();
  const bound = delegationBound(caller, restoredAt);
  const delegator = delegatorOf(caller, restoredAt);
  const grants = checkpoint.grants.map((grant) => ({
    ...grant,
    expiresAt: clampExpiry(grant.expiresAt === null ? null : Date.parse(grant.expiresAt), bound),
    createdAt: Date.parse(grant.createdAt),
    delegator,
  }));
  for (const grant of grants) {
    if (!mayDelegate(caller, grant, restoredAt)) {
      await deny(core, caller, grant.name, `a checkpoint can only carry grants the restoring caller holds itself (restoring agent '${address.id}')`, resource);
    }
  }
  // Restoring an outbox publishes it (with the new agent as source): the restorer must
  // hold what publishing each event needs, as for POST /v1/events.
  for (const event of checkpoint.outbox) {
    for (const { capability, context } of publishRequirements(event)) await authorize(core, caller, capability, resource, context);
  }
  const state = parseOrProblem(definition.stateSchema, checkpoint.state, "checkpoint.state", "The checkpoint's state does not match the agent type's state schema.");
  const digest = await sha256Hex(canonicalJson(checkpoint));
  return core.mailbox.run(async () => {
    const existing = core.meta;
    if (existing) {
      if (existing.origin.kind === "restore" && existing.origin.checkpointDigest === digest) {
        return { created: false, agent: visibleView(core, caller, existing) };
      }
      throw conflict(`Agent '${address.id}' already exists; restore into a new id.`);
    }
    // Grants first: until the meta record exists the agent does not, so a crash in
    // between leaves nothing visible and a repeated restore rewrites the same rows.
    insertGrants(core.store.sql, grants);
    const now = core.deps.now();
    const meta = await createAgent(core, address, definition, {
      state,
      status: RESTORED_STATUS[checkpoint.agent.status],
      origin: { kind: "restore", checkpointDigest: digest, from: { id: checkpoint.agent.id, version: checkpoint.agent.version } },
      createdAt: Date.parse(checkpoint.metadata.createdAt),
      stateVersion: checkpoint.metadata.stateVersion,
      counters: checkpoint.metadata.counters,
      outbox: checkpoint.outbox.map((event) => ({
        id: event.id,
        type: event.type,
        subject: event.subject,
        data: JSON.stringify(event.data ?? null),
        time: Date.parse(event.time),
      })),
      idempotency: checkpoint.idempotency
        .filter((record) => Date.parse(record.expiresAt) > now)
        .map((record) => ({
          key: record.key,
          fingerprint: record.fingerprint,
          response: JSON.stringify(record.response ?? null),
          createdAt: now,
          expiresAt: Date.parse(record.expiresAt),
          origin: "client" as const,
        })),
    });
    return { created: true, agent: visibleView(core, caller, meta) };
  });
};
