// The set of agent types a deployment hosts, looked up by name, and their public
// description (settings plus JSON Schemas of state and every action's input/output)
// for `GET /v1/agent-types`. Built once when the Worker loads.
import { z } from "zod";
import { sortByKey } from "../pagination.ts";
import type { AnyActionSpec, AnyAgentDefinition } from "./define-agent.ts";

export type AgentRegistry = {
  get(type: string): AnyAgentDefinition | undefined;
  list(): AnyAgentDefinition[];
};

export const createAgentRegistry = (definitions: readonly AnyAgentDefinition[]): AgentRegistry => {
  const byName = new Map<string, AnyAgentDefinition>();
  for (const definition of definitions) {
    if (byName.has(definition.name)) throw new Error(`agent type '${definition.name}' is defined twice`);
    byName.set(definition.name, definition);
  }
  // In the order GET /v1/agent-types pages them.
  const sorted = sortByKey(byName.values(), (definition) => definition.name);
  return { get: (type) => byName.get(type), list: () => sorted };
};

export const findAction = (definition: AnyAgentDefinition, action: string): AnyActionSpec | undefined =>
  Object.hasOwn(definition.actions, action) ? definition.actions[action] : undefined;

const jsonSchema = (schema: z.ZodType, io: "input" | "output"): Record<string, unknown> =>
  z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as Record<string, unknown>;

export type AgentTypeDescription = ReturnType<typeof describeAgentType>;

export const describeAgentType = (definition: AnyAgentDefinition) => ({
  name: definition.name,
  version: definition.version,
  description: definition.description,
  capabilities: definition.capabilities,
  resources: definition.resources,
  lifecycle: definition.lifecycle,
  resilience: definition.resilience,
  observability: definition.observability,
  supervision: definition.supervision,
  state: { schema: jsonSchema(definition.stateSchema, "output"), initial: definition.initialState },
  actions: Object.fromEntries(
    Object.entries(definition.actions).map(([name, spec]) => [
      name,
      {
        description: spec.description ?? "",
        timeout: spec.timeout ?? definition.resilience.defaultActionTimeout,
        input: jsonSchema(spec.input, "input"),
        output: jsonSchema(spec.output, "output"),
      },
    ]),
  ),
});
