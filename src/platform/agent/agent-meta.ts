// What an agent object remembers about itself besides its state: identity, type and
// version, lifecycle status, counters and the circuit breaker, plus how it came to
// exist. Stored as one record; `agentView` is the public shape `GET` answers with,
// `agentSummary` what a caller who may not read the agent is told of it.
import type { Labels } from "../discovery/labels.ts";
import { NO_PLACEMENT, type Placement } from "../discovery/placement.ts";
import type { BreakerSnapshot } from "../resilience/circuit-breaker.ts";
import type { Problem } from "../problem.ts";
import { isoTime as iso } from "../time.ts";
import { type SupervisionPolicy, type SupervisionRecord, type SupervisionView, supervisionView } from "./supervision.ts";

export type AgentStatus = "starting" | "running" | "paused" | "stopping" | "stopped" | "failed";

export type LastError = { at: number; type: string; status: number; detail: string };

export type AgentOrigin =
  | { kind: "spawn" }
  | { kind: "restore"; checkpointDigest: string; from: { id: string; version: string } };

export type AgentMeta = {
  tenant: string;
  id: string;
  type: string;
  version: string;
  status: AgentStatus;
  createdAt: number;
  updatedAt: number;
  /** Incremented by every committed state change. */
  stateVersion: number;
  stateChunks: number;
  counters: { calls: number; failures: number; lastError: LastError | null };
  breaker: BreakerSnapshot;
  origin: AgentOrigin;
  /** Given at spawn; absent in records written before labels existed. */
  labels?: Labels;
  placement?: Placement;
  /** Restarts and escalation (README "Supervision"); absent until the agent first failed. */
  supervision?: SupervisionRecord;
};

export type AgentView = {
  id: string;
  type: string;
  version: string;
  typeVersion: string;
  status: AgentStatus;
  state: unknown;
  stateVersion: number;
  createdAt: string;
  updatedAt: string;
  counters: { calls: number; failures: number; lastError: (Omit<LastError, "at"> & { at: string }) | null };
  breaker: { state: BreakerSnapshot["state"]; failures: number; retryAfterMs: number | null };
  outbox: { pending: number };
  labels: Labels;
  placement: Placement;
  supervision: SupervisionView;
};

/** What a spawn or restore answers a caller who may not read the agent (no agents:read:<type>). */
export type AgentSummary = { id: string; status: AgentStatus };

export const agentSummary = (meta: AgentMeta): AgentSummary => ({ id: meta.id, status: meta.status });

export const agentView = (
  meta: AgentMeta,
  state: unknown,
  breaker: AgentView["breaker"],
  outboxPending: number,
  restart: SupervisionPolicy["restart"] = "temporary",
): AgentView => ({
  id: meta.id,
  type: meta.type,
  version: meta.version,
  typeVersion: `${meta.type}@${meta.version}`,
  status: meta.status,
  state,
  stateVersion: meta.stateVersion,
  createdAt: iso(meta.createdAt),
  updatedAt: iso(meta.updatedAt),
  counters: {
    calls: meta.counters.calls,
    failures: meta.counters.failures,
    lastError: meta.counters.lastError && { ...meta.counters.lastError, at: iso(meta.counters.lastError.at) },
  },
  breaker,
  outbox: { pending: outboxPending },
  labels: meta.labels ?? {},
  placement: meta.placement ?? NO_PLACEMENT,
  supervision: supervisionView(restart, meta.supervision),
});

export const lastErrorFrom = (problem: Problem, at: number): LastError => ({
  at,
  type: problem.type,
  status: problem.status,
  detail: problem.detail ?? problem.title,
});
