// How a run's roles are bound, decided before any I/O and after discovery answers:
// which roles are discovered (one query each, all sent together), which spawn agents for
// the run (`spawn`), which name theirs (`agents`). A role discovery cannot fill to
// `min_count` refuses the start with 409 naming the role and what was found, before
// anything is spawned or stored; an `optional` one binds what there is (maybe none).
import type { DiscoveryAnswer } from "../discovery/query.ts";
import type { Constraints } from "../security/constraints.ts";
import { conflict, validationProblem } from "../problem.ts";
import { type AgentCatalog, typesFor } from "./catalog.ts";
import { candidateLimit, fixedBinding, pickAgents, type RoleBinding } from "./binding.ts";
import type { WorkflowDefinition } from "./definition.ts";

/** What discovery is asked for one role: running agents of these types meeting the constraints, ranked. */
export type BindQuery = { types: string[]; constraints: Constraints; min_count: number; strategy: "global"; limit: number };

export type BindPlan = {
  queries: { role: string; query: BindQuery }[];
  spawns: { role: string; type: string; count: number }[];
  /** Roles bound without discovery: explicit agents, or an optional role no deployed type can take. */
  fixed: Record<string, RoleBinding>;
};

export const planBinding = (definition: WorkflowDefinition, catalog: AgentCatalog): BindPlan => {
  const plan: BindPlan = { queries: [], spawns: [], fixed: {} };
  for (const [role, participant] of Object.entries(definition.participants)) {
    if (participant.agents) {
      plan.fixed[role] = fixedBinding(participant.agents, "explicit");
      continue;
    }
    const types = typesFor(participant, catalog).map((type) => type.name);
    if (types.length === 0) {
      if (participant.optional) plan.fixed[role] = fixedBinding([], "explicit");
      else throw validationProblem([{ path: `participants.${role}`, message: "no deployed agent type can take this role" }]);
      continue;
    }
    const spawn = participant.spawn;
    if (spawn !== undefined && spawn !== false) {
      plan.spawns.push({ role, type: types[0]!, count: spawn === true ? participant.min_count : spawn });
      continue;
    }
    plan.queries.push({
      role,
      query: { types, constraints: participant.constraints, min_count: participant.min_count, strategy: "global", limit: candidateLimit(participant.min_count) },
    });
  }
  return plan;
};

const wanted = (definition: WorkflowDefinition, role: string): string => {
  const participant = definition.participants[role];
  if (!participant) return "agents";
  const what = participant.type !== undefined ? `agents of type '${participant.type}'` : `agents with capability ${JSON.stringify(participant.capability)}`;
  return Object.keys(participant.constraints).length > 0 ? `${what} meeting ${JSON.stringify(participant.constraints)}` : what;
};

/**
 * The discovered roles' bindings (answers in the order of `plan.queries`), with the
 * fixed ones; throws 409 when a required role has fewer than min_count candidates.
 */
export const bindDiscovered = (definition: WorkflowDefinition, plan: BindPlan, answers: readonly DiscoveryAnswer[], random: () => number): Record<string, RoleBinding> => {
  const roles: Record<string, RoleBinding> = { ...plan.fixed };
  const short: { role: string; found: number; min_count: number }[] = [];
  for (const [i, { role, query }] of plan.queries.entries()) {
    const answer = answers[i];
    const found = answer?.matched ?? 0;
    if (found < query.min_count && !definition.participants[role]?.optional) short.push({ role, found, min_count: query.min_count });
    const candidates = (answer?.items ?? []).map((item) => ({ id: item.agent.id, score: item.score, parts: item.parts }));
    roles[role] = pickAgents(candidates, query.min_count, random);
  }
  if (short.length > 0) {
    const detail = short.map((s) => `role '${s.role}' needs ${s.min_count} running ${wanted(definition, s.role)}; discovery found ${s.found}`).join("; ");
    throw conflict(`The run cannot start: ${detail}.`, { code: "participants-unavailable", roles: short });
  }
  return roles;
};
