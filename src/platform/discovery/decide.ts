// The Worker's decision over the directory shards' answers to a discovery query: it adds
// their counts per tier, picks the tier the strategy asks for (`adaptive` widens from
// local to regional to global until `min_count` is met) and merges their best, each
// sent best first, into the answer.
import type { Near } from "./score.ts";
import { type DiscoveryAnswer, type DiscoveryQuery, FIGURES, TIERS, type WireAnswer } from "./query.ts";
import type { EntryView } from "./entry.ts";

/** Where the next match of tier `chosen` or narrower is in `answer`, from `from` on (its ids' length when none is left). */
const nextOf = (answer: WireAnswer, chosen: number, from: number): number => {
  let j = from;
  while (j < answer.ids.length && answer.figures[j * FIGURES]! > chosen) j++;
  return j;
};

type Decided<I> = Omit<DiscoveryAnswer, "items"> & { items: I[] };

/** Picks the tier and merges the shards' best of it (each sent best first: merged, not sorted), each item made by `item` from its shard's answer and row. */
const merge = <I>(
  answers: readonly WireAnswer[],
  query: Pick<DiscoveryQuery, "strategy" | "min_count" | "limit">,
  near: Near,
  item: (answer: WireAnswer, j: number) => I,
): Decided<I> => {
  const counts = TIERS.map((_, t) => answers.reduce((sum, answer) => sum + (answer.counts[t] ?? 0), 0));
  const enough = counts.findIndex((count) => count >= query.min_count);
  const chosen = query.strategy === "adaptive" ? (enough === -1 ? TIERS.length - 1 : enough) : TIERS.indexOf(query.strategy);
  const heads = answers.map((answer) => nextOf(answer, chosen, 0));
  const items: I[] = [];
  while (items.length < query.limit) {
    // The best head by byScore: higher score, then lower id.
    let pick = -1;
    for (let k = 0; k < answers.length; k++) {
      const j = heads[k]!;
      const answer = answers[k]!;
      if (j >= answer.ids.length) continue;
      if (pick === -1) {
        pick = k;
        continue;
      }
      const best = answers[pick]!;
      const i = heads[pick]!;
      const score = answer.figures[j * FIGURES + 1]!;
      const bestScore = best.figures[i * FIGURES + 1]!;
      if (score > bestScore || (score === bestScore && answer.ids[j]! < best.ids[i]!)) pick = k;
    }
    if (pick === -1) break;
    const answer = answers[pick]!;
    const j = heads[pick]!;
    items.push(item(answer, j));
    heads[pick] = nextOf(answer, chosen, j + 1);
  }
  const matched = counts[chosen] ?? 0;
  return {
    strategy: query.strategy,
    tier: TIERS[chosen] ?? "global",
    near,
    min_count: query.min_count,
    matched,
    satisfied: matched >= query.min_count,
    counts: { local: counts[0] ?? 0, regional: counts[1] ?? 0, global: counts[2] ?? 0 },
    items,
  };
};

/** The answer over the shards' answers, its matches' entries parsed (what a run binding reads). */
export const decide = (answers: readonly WireAnswer[], query: Pick<DiscoveryQuery, "strategy" | "min_count" | "limit">, near: Near): DiscoveryAnswer =>
  merge(answers, query, near, (answer, j) => {
    const f = answer.figures;
    const at = j * FIGURES;
    return {
      agent: JSON.parse(answer.views[j]!) as EntryView,
      score: f[at + 1]!,
      parts: { capability: f[at + 2]!, health: f[at + 3]!, load: f[at + 4]!, locality: f[at + 5]! },
    };
  });

/**
 * `JSON.stringify(decide(answers, query, near))`, made from the entries' texts as the
 * shards sent them (none parsed and written again): what `POST /v1/discovery/query`
 * answers. Numbers are written as JSON.stringify writes them (scores are finite).
 */
export const decideText = (answers: readonly WireAnswer[], query: Pick<DiscoveryQuery, "strategy" | "min_count" | "limit">, near: Near): string => {
  const { items, ...rest } = merge(answers, query, near, (answer, j) => {
    const f = answer.figures;
    const at = j * FIGURES;
    return `{"agent":${answer.views[j]!},"score":${f[at + 1]!},"parts":{"capability":${f[at + 2]!},"health":${f[at + 3]!},"load":${f[at + 4]!},"locality":${f[at + 5]!}}}`;
  });
  // `items` is the answer's last field.
  return `${JSON.stringify(rest).slice(0, -1)},"items":[${items.join(",")}]}`;
};
