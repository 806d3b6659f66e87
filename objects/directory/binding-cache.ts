// Run bindings read discovery through the tiered cache: each role's requirement is a key
// of the tenant's `_discovery` namespace (src/platform/discovery/binding-cache.ts), read
// in `bounded` mode with the deployment's bound (JIDO_DISCOVERY_MAX_STALENESS_MS, 2 s by
// default). An entry holds the answer and when it was asked: the cache counts a copy's
// age from when its origin last held it, but the directory may have changed since the
// answer was made, so an answer older than the bound is asked again (and written over),
// wherever it came from. The roles that miss are discovered together, one RPC per
// directory shard as before. Only satisfied answers are written, so a start refused for
// want of agents works as soon as they register; nothing invalidates an entry: the bound
// is the staleness. A stale answer can name an agent that stopped within the bound: a
// step it refuses (agent_stopped, definite) moves to a spare. Should the cache fail, the
// run asks the directory itself. When an answer ages past the bound, every start under
// way would miss it at once (and each ask the directory and write the cache) until one
// of them wrote it again: the runs of one isolate missing the same keys ask once
// (src/platform/own-loads.ts), and the others, and those that missed just after, take
// that answer while it is within the bound.
import { bindingCacheKey, DISCOVERY_CACHE_NAMESPACE, discoveryStalenessMs } from "../../src/platform/discovery/binding-cache.ts";
import type { DiscoveryAnswer } from "../../src/platform/discovery/query.ts";
import type { Near } from "../../src/platform/discovery/score.ts";
import { createLogger } from "../../src/platform/telemetry/logger.ts";
import { type Background, cacheRead, type CacheTierEnv, cacheWrite } from "../cache/index.ts";
import { createOwnLoads } from "../../src/platform/own-loads.ts";
import { type Discover, discover, type DirectoryReach } from "./discover.ts";

export type BindingReach = DirectoryReach & { env: DirectoryReach["env"] & CacheTierEnv & { JIDO_DISCOVERY_MAX_STALENESS_MS?: string } };

/** A cached answer and when the directory was asked for it (epoch ms). */
type CachedAnswer = { at: number; answer: DiscoveryAnswer };

/** How long the cache keeps an entry: answers older than the bound are never used; this lets them go. */
const CACHE_TTL_SECONDS = 60;

const log = createLogger({ base: { component: "discovery" } });

/**
 * The last entry parsed per key, with its text: every start in the bound reads the same
 * text of a key, so it is parsed once, not once per run. Answers are only read (their
 * items copied into the run's bindings), so runs may share one. Bounded; oldest out first.
 */
const MAX_PARSED = 256;
const parsed = new Map<string, { text: string; entry: CachedAnswer }>();
const parseEntry = (key: string, text: string): CachedAnswer => {
  const last = parsed.get(key);
  if (last && last.text === text) return last.entry;
  const entry = JSON.parse(text) as CachedAnswer;
  parsed.delete(key);
  parsed.set(key, { text, entry });
  if (parsed.size > MAX_PARSED) parsed.delete(parsed.keys().next().value!);
  return entry;
};

/** The directory's answers to one set of missed keys, and when it was asked. */
type Asked = { at: number; answers: DiscoveryAnswer[] };
const MAX_ASKS = 256;
/** One ask of the directory per tenant and set of missed keys at a time in this isolate. */
const asks = createOwnLoads<Asked>({ maxKeys: MAX_ASKS });
/** The last answers that met every role, per tenant and set of missed keys (plain values, see own-loads.ts). Bounded; oldest out first. */
const lastAsked = new Map<string, Asked>();
const keepAsked = (askKey: string, asked: Asked): void => {
  lastAsked.delete(askKey);
  lastAsked.set(askKey, asked);
  if (lastAsked.size > MAX_ASKS) lastAsked.delete(lastAsked.keys().next().value!);
};

/** `discover` for binding runs: each query's answer at most the bound old (see the header). */
export const discoverForBinding = async (reach: BindingReach, queries: readonly Discover[], near: Near): Promise<DiscoveryAnswer[]> => {
  const bound = discoveryStalenessMs(reach.env.JIDO_DISCOVERY_MAX_STALENESS_MS);
  if (bound === 0 || queries.length === 0) return discover(reach, queries, near);
  // Writing L2 and the cache's origin is best effort: a lost write costs the next run a fan-out.
  const background: Background = { telemetry: reach.telemetry, waitUntil: (promise) => void promise.catch(() => undefined) };
  let keys: string[];
  let cached: (DiscoveryAnswer | undefined)[];
  try {
    keys = await Promise.all(queries.map((query) => bindingCacheKey(query, near)));
    cached = await Promise.all(
      keys.map(async (key) => {
        const { copy } = await cacheRead(reach.env, reach.tenant, DISCOVERY_CACHE_NAMESPACE, key, { consistency: "bounded", maxStalenessMs: bound }, background);
        const entry = copy ? parseEntry(key, copy.value) : undefined;
        return entry && Date.now() - entry.at <= bound ? entry.answer : undefined;
      }),
    );
  } catch (error) {
    reach.telemetry.emit("discovery.cache_failed", { count: 1 }, {});
    log.warn("reading discovery through the cache failed; asking the directory", { tenant: reach.tenant, error: error instanceof Error ? error.message : String(error) });
    return discover(reach, queries, near);
  }
  const missing = queries.flatMap((query, i) => (cached[i] === undefined ? [{ query, i }] : []));
  reach.telemetry.emit("discovery.binding", { count: queries.length, cached: queries.length - missing.length }, {});
  if (missing.length === 0) return cached as DiscoveryAnswer[];
  const askKey = `${reach.tenant}\n${missing.map((m) => keys[m.i]).join(",")}`;
  const ask = async (): Promise<Asked> => {
    const at = Date.now();
    const answers = await discover(reach, missing.map((m) => m.query), near);
    const written = new Set<string>();
    for (const [n, { i }] of missing.entries()) {
      const answer = answers[n]!;
      const key = keys[i]!;
      if (!answer.satisfied || written.has(key)) continue;
      written.add(key);
      background.waitUntil(cacheWrite(reach.env, reach.tenant, DISCOVERY_CACHE_NAMESPACE, key, JSON.stringify({ at, answer } satisfies CachedAnswer), CACHE_TTL_SECONDS, background));
    }
    // Kept for runs that miss later only when every role is met: a start refused for want of agents must see them once they register.
    if (answers.every((answer) => answer.satisfied)) keepAsked(askKey, { at, answers });
    return { at, answers };
  };
  const withinBound = (asked: Asked | undefined): Asked | undefined => (asked && Date.now() - asked.at <= bound ? asked : undefined);
  // Another run's ask serves while within the bound (one settled just before this run
  // missed, or while it waited); else this run asks.
  const shared = withinBound(lastAsked.get(askKey)) ?? (await asks.load(askKey, ask, () => withinBound(lastAsked.get(askKey))));
  const { answers: fresh } = withinBound(shared) ?? (await ask());
  for (const [n, { i }] of missing.entries()) cached[i] = fresh[n]!;
  return cached as DiscoveryAnswer[];
};
