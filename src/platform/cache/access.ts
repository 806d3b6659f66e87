// The cache as an action sees it (`ctx.cache`): the tenant's namespaces with the read
// options of the HTTP API. Values are JSON; `get` answers undefined for a missing key.
// A write is acknowledged once the origin committed it; it is not part of the action's
// transaction (a failing action does not undo it).
import type { ReadOptions } from "./consistency.ts";

export type CachePutOptions = { /** Seconds the entry lives (default a day, at most 30 days). */ ttl?: number };

export interface CacheAccess {
  get<T = unknown>(namespace: string, key: string, options?: ReadOptions): Promise<T | undefined>;
  put(namespace: string, key: string, value: unknown, options?: CachePutOptions): Promise<{ version: number }>;
  delete(namespace: string, key: string): Promise<void>;
}
