// Refusing, when a subscription is created, an agent target it could never deliver to:
// an agent that does not exist, an action its type does not have, or a constant input
// the action's input schema refuses. Input that refers to event fields cannot be
// checked before the events exist; delivery reports it then.
import type { AgentRegistry } from "../agent/registry.ts";
import { findAction } from "../agent/registry.ts";
import type { FieldError } from "../problem.ts";
import { fieldErrors } from "../zod-issues.ts";
import { constantInput } from "./input-mapping.ts";
import type { DeliveryTarget } from "./subscription.ts";

export type AgentTarget = Extract<DeliveryTarget, { kind: "agent" }>;

/**
 * The problems of an agent target, given the type of the agent it names (null when
 * there is no such agent). Only existence and type are used: nothing of the agent's
 * state is needed, so none can leak through the answer.
 */
export const checkAgentTarget = async (target: AgentTarget, agentType: string | null, registry: AgentRegistry): Promise<FieldError[]> => {
  if (agentType === null) return [{ path: "target.agent", message: `agent '${target.agent}' not found` }];
  const definition = registry.get(agentType);
  if (!definition) return [{ path: "target.agent", message: `agent '${target.agent}' is of type '${agentType}', which this deployment does not host` }];
  const action = findAction(definition, target.action);
  if (!action) {
    const actions = Object.keys(definition.actions).sort().join(", ");
    return [{ path: "target.action", message: `'${target.action}' is not an action of type '${agentType}' (its actions: ${actions})` }];
  }
  const constant = constantInput(target.input);
  if (!constant) return [];
  const parsed = await action.input.safeParseAsync(constant.value);
  return parsed.success ? [] : fieldErrors(parsed.error.issues, "target.input");
};
