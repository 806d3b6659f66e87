// Reads and writes through the tiers, for the API, for actions (ctx.cache) and for the
// platform's own hot reads (cachedRead). A read takes the nearest tier whose copy the
// read's consistency accepts (consistency.ts), warming the tiers above on the way back
// with the copy's own `asOf`; `strong` goes to the origin only. A write is acknowledged
// when the origin committed it; then this isolate's L1 holds the new copy and this
// location's L2 is refreshed in the background (waitUntil); KV follows from the
// origin's alarm. A delete leaves a version floor here, so no tier's older copy is read
// here again.
import type { Answer, Tier } from "../../src/platform/cache/cache-status.ts";
import type { CacheAccess } from "../../src/platform/cache/access.ts";
import { judgeCopy, type ReadOptions, readOptionsSchema, stalenessBound } from "../../src/platform/cache/consistency.ts";
import { type CacheCopy, DEFAULT_TTL_SECONDS, secondsLeft, ttlSchema } from "../../src/platform/cache/entry.ts";
import { cacheShardCount, entryName, KEY_PATTERN, keySchema, MAX_KEY_CHARS, MAX_NAMESPACE_CHARS, NAMESPACE_PATTERN, namespaceSchema, originName } from "../../src/platform/cache/names.ts";
import { callDurable } from "../../src/platform/durable-call.ts";
import { createOwnLoads } from "../../src/platform/own-loads.ts";
import { validationProblem } from "../../src/platform/problem.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import { typedStub } from "../durable/index.ts";
import { l2Delete, l2Enabled, l2Get, l2Put, l3Get, memoryTier, type TierEnv } from "./tiers.ts";

export type CacheTierEnv = TierEnv & { CACHE: Env["CACHE"]; JIDO_CACHE_SHARDS?: string };
/** What outlives the request: the background refresh of L2. */
export type Background = { waitUntil(promise: Promise<unknown>): void; telemetry: Telemetry };
/** `floor`: the newest version the origin knew, when the origin answered (what a read-through stores against). */
export type CacheReadResult = { copy: CacheCopy | null; answer: Answer; floor?: number };

const origin = (env: CacheTierEnv, tenant: string, namespace: string, key: string) =>
  typedStub(env.CACHE.get(env.CACHE.idFromName(originName(tenant, namespace, key, cacheShardCount(env.JIDO_CACHE_SHARDS)))));

const hit = (tier: Tier, copy: CacheCopy): CacheReadResult => ({ copy, answer: { tier, ttl: secondsLeft(copy, Date.now()) } });

/** Reads one entry with the given consistency; `copy` is null when the key holds nothing (or expired). */
export const cacheRead = async (
  env: CacheTierEnv,
  tenant: string,
  namespace: string,
  key: string,
  options: ReadOptions,
  background: Background,
): Promise<CacheReadResult> => {
  const name = entryName(tenant, namespace, key);
  const bound = stalenessBound(options);
  const l1 = memoryTier(env);
  // The hot path, an L1 hit, without the tier walk's closures and awaits (an L1 hit should cost a tenth of an object read).
  if (bound !== null) {
    const copy = l1.get(name);
    if (copy && judgeCopy(copy, Date.now(), l1.floor(name), bound) === "use") {
      background.telemetry.emit("cache.read", { count: 1 }, { tier: "l1", found: true, consistency: options.consistency ?? "eventual" });
      return hit("l1", copy);
    }
  }
  const l2 = l2Enabled(env);
  let fwd: "miss" | "stale" | "bypass" = bound === null ? "bypass" : "miss";
  const result = async (): Promise<CacheReadResult> => {
    if (bound !== null) {
      const floor = l1.floor(name);
      const tiers: [Tier, () => CacheCopy | undefined | Promise<CacheCopy | undefined>][] = [
        ["l1", () => l1.get(name)],
        ...(l2 ? [["l2", () => l2Get(name)] as [Tier, () => Promise<CacheCopy | undefined>]] : []),
        ["l3", () => l3Get(env, name)],
      ];
      const above: Tier[] = [];
      for (const [tier, read] of tiers) {
        const copy = await read();
        if (copy) {
          const verdict = judgeCopy(copy, Date.now(), floor, bound);
          if (verdict === "use") {
            // Warm the tiers above with the copy as it is (its asOf), so its age keeps counting.
            if (tier !== "l1") l1.set(name, copy);
            if (above.includes("l2")) background.waitUntil(l2Put(name, copy));
            return hit(tier, copy);
          }
          fwd = "stale";
          if (tier === "l1") l1.delete(name);
        }
        above.push(tier);
      }
    }
    const read = await callDurable("cache.get", () => origin(env, tenant, namespace, key).get({ tenant, namespace, key }), background.telemetry);
    l1.raise(name, read.floor);
    if (read.copy) {
      l1.set(name, read.copy);
      if (l2) background.waitUntil(l2Put(name, read.copy));
    } else {
      l1.delete(name);
      if (l2 && fwd === "stale") background.waitUntil(l2Delete(name));
    }
    return { copy: read.copy, answer: { tier: "origin", fwd }, floor: read.floor };
  };
  const outcome = await result();
  background.telemetry.emit("cache.read", { count: 1 }, { tier: outcome.answer.tier, found: outcome.copy !== null, consistency: options.consistency ?? "eventual" });
  return outcome;
};

/** Writes one entry; answers when the origin has committed it. `value` is JSON text. */
export const cacheWrite = async (
  env: CacheTierEnv,
  tenant: string,
  namespace: string,
  key: string,
  value: string,
  ttlSeconds: number,
  background: Background,
): Promise<CacheCopy> => {
  const copy = await callDurable("cache.put", () => origin(env, tenant, namespace, key).put({ tenant, namespace, key }, { value, ttlSeconds }), background.telemetry);
  const name = entryName(tenant, namespace, key);
  memoryTier(env).set(name, copy);
  if (l2Enabled(env)) background.waitUntil(l2Put(name, copy));
  background.telemetry.emit("cache.write", { count: 1, bytes: value.length }, {});
  return copy;
};

/** Deletes one entry; answers when the origin has committed the deletion (its version, 0 when there was nothing). */
export const cacheDelete = async (env: CacheTierEnv, tenant: string, namespace: string, key: string, background: Background): Promise<number> => {
  const { version } = await callDurable("cache.delete", () => origin(env, tenant, namespace, key).delete({ tenant, namespace, key }), background.telemetry);
  forget(env, entryName(tenant, namespace, key), version, background);
  background.telemetry.emit("cache.delete", { count: 1 }, {});
  return version;
};

/**
 * Invalidates a platform entry after its source changed: a tombstone with a new version
 * at the origin (even for a key that held nothing), so a read-through load that started
 * before the change cannot store its older value afterwards (cachedRead stores only
 * against the version it saw missing). This isolate stops taking older copies at once.
 */
export const cacheInvalidate = async (env: CacheTierEnv, tenant: string, namespace: `_${string}`, key: string, background: Background): Promise<number> => {
  const { version } = await callDurable("cache.invalidate", () => origin(env, tenant, namespace, key).invalidate({ tenant, namespace, key }), background.telemetry);
  forget(env, entryName(tenant, namespace, key), version, background);
  background.telemetry.emit("cache.invalidate", { count: 1 }, { namespace });
  return version;
};

const forget = (env: CacheTierEnv, name: string, version: number, background: Background): void => {
  const l1 = memoryTier(env);
  l1.raise(name, version);
  l1.delete(name);
  if (l2Enabled(env)) background.waitUntil(l2Delete(name));
};

/** A read-through answer: the value (undefined: the source has none) and the latest time the source is known to have held it. */
export type Cached<T> = { value: T | undefined; asOf: number };

/** One read-through load per key at a time in this isolate, each in its caller's own context (own-loads.ts). */
const loads = createOwnLoads<Cached<unknown>>();

/**
 * The platform's read-through seam for its own hot reads (workflow definitions,
 * configuration, discovery): answers the cached value of `key` in the platform
 * namespace `namespace` (which starts with `_`, so no token or action can name it),
 * else `load()`'s, which it stores for `ttlSeconds` unless the entry changed at the
 * origin meanwhile (an invalidation). Concurrent misses for one key in an isolate make
 * one load: the others wait on their own short timer for its answer (or its copy in L1),
 * never on its promise (a request may not await another request's I/O), and load
 * themselves if it does not come within about a second. A load answering undefined is
 * not cached. Invalidate with `cacheInvalidate` after the source changes. `asOf` lets a caller that keeps the value itself count its
 * age from when the source last confirmed it, so its own copy adds no staleness.
 */
export const cachedReadAged = async <T>(
  env: CacheTierEnv,
  tenant: string,
  namespace: `_${string}`,
  key: string,
  options: ReadOptions & { ttlSeconds?: number },
  background: Background,
  load: () => Promise<T | undefined>,
): Promise<Cached<T>> => {
  const read = await cacheRead(env, tenant, namespace, key, options, background);
  if (read.copy) return { value: JSON.parse(read.copy.value) as T, asOf: read.copy.asOf };
  const name = entryName(tenant, namespace, key);
  const floor = read.floor ?? 0;
  const bound = stalenessBound(options);
  const l1 = memoryTier(env);
  // While another caller's load is under way: its copy, once it is in L1 and usable here.
  const peek = (): Cached<T> | undefined => {
    if (bound === null) return undefined;
    const copy = l1.get(name);
    return copy && judgeCopy(copy, Date.now(), l1.floor(name), bound) === "use" ? { value: JSON.parse(copy.value) as T, asOf: copy.asOf } : undefined;
  };
  const fill = async (): Promise<Cached<T>> => {
    const asOf = Date.now();
    const value = await load();
    if (value !== undefined) {
      const ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
      const copy = await callDurable("cache.put", () => origin(env, tenant, namespace, key).putIf({ tenant, namespace, key }, { value: JSON.stringify(value), ttlSeconds }, floor), background.telemetry);
      if (copy) {
        l1.set(name, copy);
        if (l2Enabled(env)) background.waitUntil(l2Put(name, copy));
      }
      background.telemetry.emit("cache.fill", { count: 1 }, { namespace, stored: copy !== null });
    }
    return { value, asOf };
  };
  return (await loads.load(name, fill, peek)) as Cached<T>;
};

/** cachedReadAged's value alone. */
export const cachedRead = async <T>(
  env: CacheTierEnv,
  tenant: string,
  namespace: `_${string}`,
  key: string,
  options: ReadOptions & { ttlSeconds?: number },
  background: Background,
  load: () => Promise<T | undefined>,
): Promise<T | undefined> => (await cachedReadAged(env, tenant, namespace, key, options, background, load)).value;

/** `ctx.cache` for an agent of `tenant`: the tenant's namespaces, inputs checked as the API checks them. */
export const platformCache = (env: CacheTierEnv, tenant: string, background: Background): CacheAccess => {
  // The schemas' rules checked directly first (a read is hot); the schemas name what is wrong otherwise.
  const names = (namespace: string, key: string) => ({
    namespace: typeof namespace === "string" && namespace.length <= MAX_NAMESPACE_CHARS && NAMESPACE_PATTERN.test(namespace) ? namespace : parseOrProblem(namespaceSchema, namespace, "namespace"),
    key: typeof key === "string" && key.length <= MAX_KEY_CHARS && KEY_PATTERN.test(key) ? key : parseOrProblem(keySchema, key, "key"),
  });
  const readOptions = (options: ReadOptions): ReadOptions =>
    options.consistency === undefined && options.maxStalenessMs === undefined && Object.keys(options).length === 0 ? options : parseOrProblem(readOptionsSchema, options, "options");
  return {
    get: async <T>(namespace: string, key: string, options: ReadOptions = {}) => {
      const at = names(namespace, key);
      const { copy } = await cacheRead(env, tenant, at.namespace, at.key, readOptions(options), background);
      return copy ? (JSON.parse(copy.value) as T) : undefined;
    },
    put: async (namespace, key, value, options = {}) => {
      const at = names(namespace, key);
      const json = JSON.stringify(value);
      if (json === undefined) throw validationProblem([{ path: "value", message: "must be a JSON value" }]);
      const ttl = options.ttl === undefined ? DEFAULT_TTL_SECONDS : parseOrProblem(ttlSchema, options.ttl, "ttl");
      const copy = await cacheWrite(env, tenant, at.namespace, at.key, json, ttl, background);
      return { version: copy.version };
    },
    delete: async (namespace, key) => {
      const at = names(namespace, key);
      await cacheDelete(env, tenant, at.namespace, at.key, background);
    },
  };
};
