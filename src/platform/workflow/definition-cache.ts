// Why: starting a run must not ask the tenant's one registry object each time (one
// object serves ~1,000 requests/s; a tenant's run rate would stop there). A definition
// `name@version` is immutable once registered, so it is kept in isolate memory for as
// long as the cache has room (an LRU bounded by count). "The latest version" can change
// when a version is registered, so the list of a workflow's versions is kept at most
// `versionsTtlMs` (2 s by default): a run started without a version within that time
// after another isolate registered a newer one may run the one before. A version that
// is not found is never cached, so a run started by a version just registered finds it.
// Below this isolate memory is the tiered cache (src/api/definition-lookup.ts), so a new
// isolate finds definitions in L2/L3 before asking the registry; `remember`'s `now` is
// then when the registry last confirmed the list, so the two layers' ages do not add up.
import type { WorkflowDefinition } from "./definition.ts";

export type DefinitionCacheOptions = { maxEntries?: number; versionsTtlMs?: number };

export const DEFAULT_DEFINITION_CACHE = { maxEntries: 1_000, versionsTtlMs: 2_000 } as const;

/** A Map kept in least-recently-used order, at most `max` entries. */
const lru = <V>(max: number) => {
  const entries = new Map<string, V>();
  return {
    get(key: string): V | undefined {
      const value = entries.get(key);
      if (value === undefined) return undefined;
      entries.delete(key);
      entries.set(key, value);
      return value;
    },
    set(key: string, value: V): void {
      entries.delete(key);
      entries.set(key, value);
      if (entries.size > max) entries.delete(entries.keys().next().value!);
    },
    delete: (key: string): boolean => entries.delete(key),
    get size(): number {
      return entries.size;
    },
  };
};

export const createDefinitionCache = (options: DefinitionCacheOptions = {}) => {
  const { maxEntries, versionsTtlMs } = { ...DEFAULT_DEFINITION_CACHE, ...options };
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, not ${maxEntries}`);
  if (!(versionsTtlMs >= 0)) throw new RangeError(`versionsTtlMs must be >= 0, not ${versionsTtlMs}`);
  const definitions = lru<WorkflowDefinition>(maxEntries);
  const lists = lru<{ at: number; versions: readonly WorkflowDefinition[] }>(maxEntries);
  const keyOf = (tenant: string, name: string): string => `${tenant}\n${name}`;
  return {
    /** `name@version` of the tenant, if it was seen: immutable, so never stale. */
    definition: (tenant: string, name: string, version: string): WorkflowDefinition | undefined => definitions.get(`${keyOf(tenant, name)}@${version}`),
    /** Every version of `name`, if read less than `versionsTtlMs` before `now`. */
    versions(tenant: string, name: string, now: number): readonly WorkflowDefinition[] | undefined {
      const list = lists.get(keyOf(tenant, name));
      return list && now - list.at < versionsTtlMs ? list.versions : undefined;
    },
    /** Keeps what a read of the registry answered (at `now`). */
    remember(tenant: string, name: string, versions: readonly WorkflowDefinition[], now: number): void {
      lists.set(keyOf(tenant, name), { at: now, versions });
      for (const definition of versions) definitions.set(`${keyOf(tenant, definition.name)}@${definition.version}`, definition);
    },
    /** Keeps one `name@version` (immutable) without touching the list of versions. */
    keep: (tenant: string, definition: WorkflowDefinition): void => definitions.set(`${keyOf(tenant, definition.name)}@${definition.version}`, definition),
    /** A version of `name` was registered here: the list of its versions is read again next time. */
    forgetVersions: (tenant: string, name: string): void => void lists.delete(keyOf(tenant, name)),
    get size(): { definitions: number; lists: number } {
      return { definitions: definitions.size, lists: lists.size };
    },
  };
};

export type DefinitionCache = ReturnType<typeof createDefinitionCache>;
