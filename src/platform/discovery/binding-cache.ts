// Why: every workflow run binds its roles through discovery, and a burst of runs asking
// the same requirements would fan out to every directory shard each time. Runs read the
// answers through the tiered cache instead (`bounded` mode), each requirement under its
// own key: the tenant's cache entry `_discovery/<hash of the normalized requirement>`.
// This module decides the key and the bound; objects/directory/binding-cache.ts reads.
import type { Near } from "./score.ts";

/** The platform's cache namespace for discovery answers (no token or action can name `_` namespaces). */
export const DISCOVERY_CACHE_NAMESPACE = "_discovery";

/**
 * How stale a run's binding answer may be by default: an answer can name an agent that
 * stopped at most this long ago (a step refused by it rebinds to a spare), and miss one
 * that started within it.
 */
export const DEFAULT_DISCOVERY_STALENESS_MS = 2_000;
export const MAX_DISCOVERY_STALENESS_MS = 60_000;

/** The bound from the deployment's var (JIDO_DISCOVERY_MAX_STALENESS_MS): 0 (always fresh) to 60,000 ms, else the default. */
export const discoveryStalenessMs = (value: string | undefined): number => {
  const n = value === undefined || value.trim() === "" ? Number.NaN : Number(value);
  return Number.isInteger(n) && n >= 0 && n <= MAX_DISCOVERY_STALENESS_MS ? n : DEFAULT_DISCOVERY_STALENESS_MS;
};

/** What a binding asks of discovery for one role (objects/directory's Discover, minus what the key ignores). */
export type BindingRequirement = {
  type?: string | undefined;
  types?: readonly string[] | undefined;
  capability?: unknown;
  constraints: Record<string, unknown>;
  strategy: string;
  min_count: number;
  limit: number;
};

/** JSON with object keys sorted (lists keep their order unless sorted before). */
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
};

/** A set written in any order: its distinct members sorted by their JSON. */
const asSet = (values: readonly unknown[]): unknown[] => [...new Map(values.map((v) => [canonical(v), v])).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);

/**
 * The requirement as one text, equal for requirements that must get the same answer:
 * types as a set, constraint keys in any order, a list constraint's members as a set.
 * Everything that changes the answer is in it (types, capability, constraints,
 * strategy, min_count, limit, where the caller is).
 */
export const normalizedRequirement = (requirement: BindingRequirement, near: Near): string => {
  const constraints = Object.fromEntries(Object.entries(requirement.constraints).map(([k, v]) => [k, Array.isArray(v) ? asSet(v) : v]));
  return canonical({
    type: requirement.type,
    types: requirement.types === undefined ? undefined : asSet(requirement.types),
    capability: requirement.capability,
    constraints,
    strategy: requirement.strategy,
    min_count: requirement.min_count,
    limit: requirement.limit,
    near: { locationHint: near.locationHint, jurisdiction: near.jurisdiction },
  });
};

/** Keys already computed, by normalized text: the same few requirements come with every run start. Bounded; oldest out first. */
const MAX_KEYS = 256;
const keys = new Map<string, string>();

/** The cache key of a requirement: `v1.` and the SHA-256 of its normalized text, in hex (computed once per text and isolate). */
export const bindingCacheKey = async (requirement: BindingRequirement, near: Near): Promise<string> => {
  const text = normalizedRequirement(requirement, near);
  const known = keys.get(text);
  if (known !== undefined) return known;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  const key = `v1.${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
  keys.set(text, key);
  if (keys.size > MAX_KEYS) keys.delete(keys.keys().next().value!);
  return key;
};
