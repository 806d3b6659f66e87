// Resolving a step's input template against the run's context: strings of the form
// `$.input.a.b` or `$.steps.<step>.output.x` are replaced by the value they name
// (undefined when absent); everything else is kept as written.
export type RunContext = { input: Record<string, unknown>; steps: Record<string, { output: unknown }> };

export const resolveReference = (reference: string, context: RunContext): unknown => {
  let current: unknown = context;
  for (const key of reference.split(".").slice(1)) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
};

export const resolveTemplate = (template: unknown, context: RunContext): unknown => {
  if (typeof template === "string" && template.startsWith("$.")) return resolveReference(template, context);
  if (Array.isArray(template)) return template.map((item) => resolveTemplate(item, context));
  if (typeof template === "object" && template !== null) {
    return Object.fromEntries(Object.entries(template).map(([key, value]) => [key, resolveTemplate(value, context)]));
  }
  return template;
};

/** Structural equality of JSON values, for conditional cases. */
export const jsonEqual = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
