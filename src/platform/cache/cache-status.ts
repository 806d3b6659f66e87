// The `Cache-Status` response header (RFC 9211) naming the tier that answered a read:
// `jido-l1; hit` (isolate memory), `jido-l2; hit` (Cache API, this location),
// `jido-l3; hit` (Workers KV), or `jido-origin; fwd=...` when the origin object
// answered: `miss` (no tier held the key), `stale` (a copy was too old for the read's
// bound, expired, or older than a version already seen), `bypass` (strong reads skip
// the tiers). Hits carry `ttl`, the seconds the entry has left.
export type Tier = "l1" | "l2" | "l3";
export type Answer = { tier: Tier; ttl: number } | { tier: "origin"; fwd: "miss" | "stale" | "bypass" };

export const cacheStatus = (answer: Answer): string =>
  answer.tier === "origin" ? `jido-origin; fwd=${answer.fwd}` : `jido-${answer.tier}; hit; ttl=${answer.ttl}`;
