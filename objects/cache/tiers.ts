// The Worker-side tiers as components: L1 this isolate's memory (one per isolate, its
// budget from JIDO_CACHE_L1_MAX_BYTES), L2 the Cache API of this location
// (`caches.default`; JIDO_CACHE_L2=off skips it, e.g. on workers.dev where it stores
// nothing), L3 Workers KV (CACHE_KV), written only by the origin. Every copy is parsed
// when read; a tier that fails or holds something unreadable counts as a miss, so a
// tier's outage slows reads down and never fails them.
import { type CacheCopy, cacheCopySchema, secondsLeft } from "../../src/platform/cache/entry.ts";
import { createMemoryTier, l1MaxBytes, type MemoryTier } from "../../src/platform/cache/memory-tier.ts";

export type TierEnv = { CACHE_KV: KVNamespace; JIDO_CACHE_L1_MAX_BYTES?: string; JIDO_CACHE_L2?: string };

/** L2 keeps a copy at most an hour (bounded reads may take copies that old; eventual ones a minute). */
const L2_MAX_AGE_SECONDS = 3_600;
const L2_ORIGIN = "https://cache.jido.internal/";

let memory: MemoryTier | null = null;
let memoryVar: string | undefined;

export const memoryTier = (env: TierEnv): MemoryTier => {
  // Asked on every read: the var is parsed again only when it differs from the last one seen.
  if (memory && env.JIDO_CACHE_L1_MAX_BYTES === memoryVar) return memory;
  memoryVar = env.JIDO_CACHE_L1_MAX_BYTES;
  const maxBytes = l1MaxBytes(memoryVar);
  if (memory?.maxBytes !== maxBytes) memory = createMemoryTier(maxBytes);
  return memory;
};

export const l2Enabled = (env: TierEnv): boolean => env.JIDO_CACHE_L2 !== "off" && typeof caches !== "undefined";

const parseCopy = (text: string | null | undefined): CacheCopy | undefined => {
  if (!text) return undefined;
  try {
    const parsed = cacheCopySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
};

const l2Url = (name: string): string => L2_ORIGIN + name.split("/").map(encodeURIComponent).join("/");

const warn = (msg: string, error: unknown) =>
  console.warn(JSON.stringify({ level: "warn", component: "cache", msg, error: error instanceof Error ? error.message : String(error) }));

export const l2Get = async (name: string): Promise<CacheCopy | undefined> => {
  try {
    const response = await caches.default.match(l2Url(name));
    return response ? parseCopy(await response.text()) : undefined;
  } catch (error) {
    warn("L2 read failed; treated as a miss", error);
    return undefined;
  }
};

export const l2Put = async (name: string, copy: CacheCopy): Promise<void> => {
  const maxAge = Math.min(L2_MAX_AGE_SECONDS, secondsLeft(copy, Date.now()));
  if (maxAge <= 0) return;
  try {
    await caches.default.put(l2Url(name), new Response(JSON.stringify(copy), { headers: { "content-type": "application/json", "cache-control": `max-age=${maxAge}` } }));
  } catch (error) {
    warn("L2 write failed", error);
  }
};

export const l2Delete = async (name: string): Promise<void> => {
  try {
    await caches.default.delete(l2Url(name));
  } catch (error) {
    warn("L2 delete failed", error);
  }
};

export const l3Get = async (env: TierEnv, name: string): Promise<CacheCopy | undefined> => {
  try {
    return parseCopy(await env.CACHE_KV.get(name));
  } catch (error) {
    warn("L3 read failed; treated as a miss", error);
    return undefined;
  }
};
