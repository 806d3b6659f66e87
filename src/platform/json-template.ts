// Templates with references, shared by workflow steps (resolved against the run's
// context) and subscription inputs (resolved against the CloudEvent): a JSON value in
// which every string of the form `$.a.b` stands for the value at that path of a root
// object (undefined when absent) and everything else is kept as written.

/** Whether a template value is a reference (a string starting with `$.`) rather than a constant. */
export const isReference = (value: unknown): value is string => typeof value === "string" && value.startsWith("$.");

/** The value `$.a.b` names in `root`: own properties only, undefined when absent. */
export const resolveReference = (reference: string, root: unknown): unknown => {
  let current: unknown = root;
  for (const key of reference.split(".").slice(1)) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
};

/** The template with every reference replaced by the value it names in `root`. */
export const resolveTemplate = (template: unknown, root: unknown): unknown => {
  if (isReference(template)) return resolveReference(template, root);
  if (Array.isArray(template)) return template.map((item) => resolveTemplate(item, root));
  if (typeof template === "object" && template !== null) {
    return Object.fromEntries(Object.entries(template).map(([key, value]) => [key, resolveTemplate(value, root)]));
  }
  return template;
};

/** Every reference in a template, with its dotted path inside the template. */
export const templateReferences = (template: unknown, path = ""): { path: string; reference: string }[] => {
  const at = (key: string | number) => (path ? `${path}.${key}` : String(key));
  if (isReference(template)) return [{ path: path || "(root)", reference: template }];
  if (Array.isArray(template)) return template.flatMap((item, i) => templateReferences(item, at(i)));
  if (typeof template === "object" && template !== null) return Object.entries(template).flatMap(([key, value]) => templateReferences(value, at(key)));
  return [];
};
