// The one hash the platform spreads keys over objects with (directory, runs index, cache,
// quotas, metrics shards) and tells names apart by: FNV-1a over UTF-16 code units, stable
// across runtimes and releases (changing it would re-home every sharded key), cheap, and
// spread enough for ids.
export const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
};

/** The shard (0 to shards - 1) a key belongs to. */
export const shardOf = (key: string, shards: number): number => fnv1a(key) % shards;
