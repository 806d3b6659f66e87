// How every component reads a tenant's configuration: through an isolate-memory copy
// that is at most CONFIG_MAX_STALENESS_MS behind the store. After that the next read
// refreshes it, in its own context (own-loads.ts: a Worker request never awaits another
// request's I/O). While that refresh is under way, for at most REFRESH_GRACE_MS, other
// readers are answered the held copy at once; after that the next reader refreshes too.
// A reader with no copy at all loads it itself, one load per tenant at a time: the
// others wait on their own short timer for its answer (else load themselves). A write
// made in this isolate replaces the copy at once. This is the one seam between readers
// and where the configuration lives: `load` reads the tiered cache in bounded mode
// (objects/config/config-reader.ts) and says how old its answer is (`asOf`, when the
// store last confirmed it), so the copy's age counts from there: the cache's age and
// this copy's do not add up. The decoded view is kept while the version is the same.
// When a load fails, the last copy is served (and the failure reported) rather than
// falling back to defaults that would undo the tenant's settings.
import { etagOf, resolveConfig, type Settings } from "./document.ts";
import type { Config } from "./schema.ts";
import { createOwnLoads, type OwnLoadsOptions } from "../own-loads.ts";
import { deepFreeze } from "../deep-freeze.ts";

/** The staleness bound: a change reaches every reader within this time (plus a refresh in flight, at most REFRESH_GRACE_MS). */
export const CONFIG_MAX_STALENESS_MS = 5_000;
/** How long readers are answered the held copy past the bound while one reader refreshes it. */
export const REFRESH_GRACE_MS = 1_000;

/** A version of a tenant's settings as its store answers it (version 0: nothing set yet). */
export type StoredConfig = { version: number; settings: Settings; updatedAt: number | null };

/** A load's answer: a stored version and, when it came from a cache, when the store last confirmed it (else: when the load started). */
export type LoadedConfig = { stored: StoredConfig; asOf?: number };

/** A tenant's effective configuration at one version. */
export type ConfigView = { version: number; etag: string; updatedAt: number | null; settings: Settings; config: Config };

export const configView = (stored: StoredConfig, defaults: Config): ConfigView => ({
  version: stored.version,
  etag: etagOf(stored.version),
  updatedAt: stored.updatedAt,
  settings: stored.settings,
  config: deepFreeze(resolveConfig(defaults, stored.settings)),
});

export type ConfigReaderOptions = {
  load: (tenant: string) => Promise<StoredConfig | LoadedConfig>;
  defaults: () => Config;
  now?: () => number;
  maxStalenessMs?: number;
  onError?: (tenant: string, error: unknown) => void;
  /** Tenants whose copies are kept at most (the oldest copy goes first). */
  maxTenants?: number;
  refreshGraceMs?: number;
  /** How readers with no copy wait for the one load under way (tests pass their own sleep). */
  firstLoads?: OwnLoadsOptions;
};

export type ConfigReader = {
  read(tenant: string): Promise<ConfigView>;
  /** Replaces this isolate's copy (a write made here), unless it already holds a later version. */
  put(tenant: string, stored: StoredConfig): ConfigView;
};

/** `asOf`: the latest time the store is known to have held this version as its newest. */
type Entry = { view: ConfigView; asOf: number };

export const createConfigReader = (options: ConfigReaderOptions): ConfigReader => {
  const now = options.now ?? Date.now;
  const bound = options.maxStalenessMs ?? CONFIG_MAX_STALENESS_MS;
  const maxTenants = options.maxTenants ?? 10_000;
  const copies = new Map<string, Entry>();
  const grace = options.refreshGraceMs ?? REFRESH_GRACE_MS;
  /** Tenants whose held copy one reader is refreshing: since when (a value, never its promise). */
  const refreshing = new Map<string, { since: number }>();
  const firstLoads = createOwnLoads<ConfigView>(options.firstLoads);

  const remember = (tenant: string, view: ConfigView, asOf: number): ConfigView => {
    copies.delete(tenant);
    if (copies.size >= maxTenants) copies.delete(copies.keys().next().value as string);
    copies.set(tenant, { view, asOf });
    return view;
  };

  /** One load, awaited by the reader that started it and by no one else. */
  const load = async (tenant: string): Promise<ConfigView> => {
    const startedAt = now();
    let loaded: StoredConfig | LoadedConfig;
    try {
      loaded = await options.load(tenant);
    } catch (error) {
      const held = copies.get(tenant);
      if (!held) throw error;
      options.onError?.(tenant, error);
      return held.view;
    }
    const { stored, asOf = startedAt } = "stored" in loaded ? loaded : { stored: loaded };
    const held = copies.get(tenant);
    // A write in this isolate may have put a later version while the load was under way.
    if (held && held.view.version > stored.version) return remember(tenant, held.view, asOf);
    // The same version again: keep the decoded view, only its age changes.
    if (held && held.view.version === stored.version) return remember(tenant, held.view, Math.max(held.asOf, asOf));
    return remember(tenant, configView(stored, options.defaults()), asOf);
  };

  const refresh = async (tenant: string, since: number): Promise<ConfigView> => {
    const mark = { since };
    refreshing.set(tenant, mark);
    try {
      return await load(tenant);
    } finally {
      if (refreshing.get(tenant) === mark) refreshing.delete(tenant);
    }
  };

  return {
    read(tenant) {
      const held = copies.get(tenant);
      const at = now();
      if (held && at - held.asOf < bound) return Promise.resolve(held.view);
      if (held) {
        const other = refreshing.get(tenant);
        if (other && at - other.since < grace) return Promise.resolve(held.view);
        return refresh(tenant, at);
      }
      return firstLoads.load(tenant, () => load(tenant), () => copies.get(tenant)?.view);
    },
    put(tenant, stored) {
      const held = copies.get(tenant);
      if (held && held.view.version > stored.version) return held.view;
      return remember(tenant, configView(stored, options.defaults()), now());
    },
  };
};
