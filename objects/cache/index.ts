// The cache family: the origin object per key shard (CacheStore), and the read and write
// paths through the tiers (L1 isolate memory, L2 Cache API, L3 Workers KV, origin) that
// the API, actions (ctx.cache) and the platform's own hot reads (cachedRead) use.
// Decisions live in src/platform/cache.
export { type CacheAddress, CacheStore, type CacheWrite, type OriginRead } from "./cache-store.ts";
export { type Background, type Cached, cachedRead, cachedReadAged, cacheDelete, cacheInvalidate, cacheRead, type CacheReadResult, cacheWrite, type CacheTierEnv, platformCache } from "./client.ts";
