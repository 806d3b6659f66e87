// What the workflow checker and the coordinator need to know about agent types: their
// actions (with the fields of each action's output) and their capabilities.
import { z } from "zod";
import type { AgentRegistry } from "../agent/registry.ts";

export type CatalogType = {
  name: string;
  capabilities: Record<string, unknown>;
  /** Action -> the top-level fields of its output (null when the output is not an object). */
  actions: Map<string, string[] | null>;
};

export type AgentCatalog = Map<string, CatalogType>;

const outputFields = (schema: z.ZodType): string[] | null => {
  const json = z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as { properties?: Record<string, unknown> };
  return json.properties ? Object.keys(json.properties) : null;
};

export const catalogOf = (registry: AgentRegistry): AgentCatalog =>
  new Map(
    registry.list().map((definition) => [
      definition.name,
      {
        name: definition.name,
        capabilities: definition.capabilities,
        actions: new Map(Object.entries(definition.actions).map(([name, spec]) => [name, outputFields(spec.output)])),
      },
    ]),
  );

/** A capability query matches a type when each key equals the type's value or is contained in its list. */
export const matchesCapability = (query: Record<string, unknown>, capabilities: Record<string, unknown>): boolean =>
  Object.entries(query).every(([key, wanted]) => {
    const has = capabilities[key];
    return Array.isArray(has) ? has.includes(wanted) : has === wanted;
  });

/** The agent types a participant may be bound to. */
export const typesFor = (participant: { type?: string | undefined; capability?: Record<string, unknown> | undefined }, catalog: AgentCatalog): CatalogType[] => {
  if (participant.type !== undefined) {
    const type = catalog.get(participant.type);
    return type ? [type] : [];
  }
  return [...catalog.values()].filter((type) => matchesCapability(participant.capability ?? {}, type.capabilities));
};
