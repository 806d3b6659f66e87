// @ts-check
// Labels as a person types them ("region=eu, tier=gold") to the object the API takes, and
// a directory filter ("region=eu") to its query parameter (label.region=eu). Pure
// (labels.test.js); the API checks names and values.

/**
 * @param {string} text comma- or newline-separated name=value pairs
 * @returns {{ ok: true, labels: Record<string, string> } | { ok: false, error: string }}
 */
export const parseLabels = (text) => {
  /** @type {Record<string, string>} */
  const labels = {};
  for (const part of text.split(/[,\n]/)) {
    const pair = part.trim();
    if (pair === "") continue;
    const at = pair.indexOf("=");
    if (at <= 0 || at === pair.length - 1) return { ok: false, error: `'${pair}' is not name=value` };
    const name = pair.slice(0, at).trim();
    if (Object.hasOwn(labels, name)) return { ok: false, error: `label '${name}' is given twice` };
    labels[name] = pair.slice(at + 1).trim();
  }
  return { ok: true, labels };
};

/** The directory's query parameters for labels: { "label.region": "eu" }. */
export const labelQuery = (/** @type {Record<string, string>} */ labels) => Object.fromEntries(Object.entries(labels).map(([name, value]) => [`label.${name}`, value]));

/** Labels for display: "region=eu, tier=gold". */
export const formatLabels = (/** @type {Record<string, string> | undefined} */ labels) =>
  Object.entries(labels ?? {})
    .map(([name, value]) => `${name}=${value}`)
    .join(", ");
