// Binding a run's roles when it starts: discovery first, all roles in one query per
// directory shard (a role short of min_count refuses the start, 409, before anything is
// spawned or stored); then the roles that spawn agents for the run spawn them.
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import { bindDiscovered, planBinding } from "../../src/platform/workflow/bind-plan.ts";
import { fixedBinding, type RoleBinding } from "../../src/platform/workflow/binding.ts";
import type { catalogOf } from "../../src/platform/workflow/catalog.ts";
import type { WorkflowDefinition } from "../../src/platform/workflow/definition.ts";
import { discoverForBinding } from "../directory/index.ts";
import { type RunAgents, spawnForRun } from "./agent-calls.ts";

export const bindRoles = async (
  env: Env,
  catalog: ReturnType<typeof catalogOf>,
  telemetry: Telemetry,
  definition: WorkflowDefinition,
  runId: string,
  agents: RunAgents,
): Promise<Record<string, RoleBinding>> => {
  const plan = planBinding(definition, catalog);
  const answers = plan.queries.length === 0
    ? []
    : await discoverForBinding({ env, tenant: agents.tenant, telemetry }, plan.queries.map((q) => q.query), { locationHint: null, jurisdiction: null });
  const roles = bindDiscovered(definition, plan, answers, Math.random);
  await Promise.all(
    plan.spawns.map(async ({ role, type, count }) => {
      const ids = Array.from({ length: count }, (_, n) => `${runId}.${role}.${n + 1}`);
      await Promise.all(ids.map((id) => spawnForRun(agents, id, type)));
      roles[role] = fixedBinding(ids, "spawned");
    }),
  );
  return roles;
};
