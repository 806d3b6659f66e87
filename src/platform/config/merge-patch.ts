// Why: configuration changes arrive as RFC 7396 JSON merge patches (`PATCH /v1/config`),
// and the `config.changed` event names the paths a change touched. Both are plain JSON
// operations, kept here so the store, the reader and agents agree on them.

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** RFC 7396 MergePatch(target, patch): objects merge member by member, `null` removes a member, anything else replaces. */
export const applyMergePatch = (target: unknown, patch: unknown): unknown => {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
};

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The dotted paths whose values differ between two JSON documents, as deep as both sides
 * are objects (`infrastructure.rateLimit.rps`); an array or a member added or removed is
 * one path. Sorted, so the same change always reads the same.
 */
export const changedPaths = (before: unknown, after: unknown, prefix = ""): string[] => {
  if (isObject(before) && isObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].flatMap((key) => changedPaths(before[key], after[key], prefix ? `${prefix}.${key}` : key)).sort();
  }
  return sameJson(before, after) ? [] : [prefix || "(root)"];
};
