// Why: a discovery query (and every workflow run that binds agents) asks every directory
// shard to score its running entries; reading and JSON-parsing each of them from SQLite
// per query made a query over 10,000 agents cost tens of milliseconds. A shard keeps
// this in memory instead: its running entries by type and by label value, loaded once
// from storage and kept current by each registration it stores, so a query scores only
// the entries that can match it (the smallest of: its types' entries, or for a label
// constraint the entries holding one of the values it requires). Each entry is held
// with its facts (fast-match.ts: what scoring it needs that no query changes), worked
// out once when it is taken in. A group is handed out in scan order (best possible
// score first, then id; sorted again only after it changed) with each entry's place in
// id order (`rank`, numbered again only after an id came or went), so a query scores
// few entries beyond its `limit` and breaks ties by a number (shard-answer.ts answerShard).
// Pure: the shard owns loading and writes.
import type { Constraints } from "../security/constraints.ts";
import type { DirectoryEntry } from "./entry.ts";
import { type EntryFacts, factsOf, labelValuesRequired } from "./fast-match.ts";
import { LABEL_KEY } from "./labels.ts";

export type RunningSet = {
  /** After a stored registration: kept while running, dropped otherwise. */
  put(entry: DirectoryEntry): void;
  /** After a stored deletion. */
  drop(id: string): void;
  /** The running entries of these types (all types when none are named). */
  of(types: readonly string[]): Iterable<DirectoryEntry>;
  /**
   * A superset of the running entries of `types` (all when none) that meet `constraints`,
   * often much smaller than `of(types)`, as the facts of each, in groups (no entry in two),
   * each in scan order (`bounds` at any tier descending, then `rank`; ranks fresh):
   * the caller still checks each (matchEntry), but for the label constraint `meets` names
   * when the groups are that label's values it requires (every entry meets it).
   */
  candidates(types: readonly string[], constraints: Constraints): { groups: readonly EntryFacts[][]; meets: string | null };
  readonly size: number;
};

const isLabelKey = (key: string): boolean => LABEL_KEY.test(key);

/** Scan order: the greater sum of the score's parts before the locality first (so the greater bound at every tier: rounding keeps order), then the id. */
const scanOrder = (a: EntryFacts, b: EntryFacts): number => b.order - a.order || a.rank - b.rank;

/** Running entries sharing a type or a label value, and (once asked for, until one changes) in scan order. */
class Group extends Map<string, EntryFacts> {
  sorted: EntryFacts[] | null = null;
  override set(id: string, facts: EntryFacts): this {
    this.sorted = null;
    return super.set(id, facts);
  }
  override delete(id: string): boolean {
    this.sorted = null;
    return super.delete(id);
  }
  inOrder(): EntryFacts[] {
    return (this.sorted ??= [...this.values()].sort(scanOrder));
  }
}

export const createRunningSet = (entries: Iterable<DirectoryEntry> = []): RunningSet => {
  const byType = new Map<string, Group>();
  /** label name -> value -> the running entries with that label value. */
  const byLabel = new Map<string, Map<string, Group>>();
  const held = new Group();
  /** Whether an id came or went since ranks were numbered (a new registration of a held id keeps its rank). */
  let ranksStale = false;
  const rankAll = (): void => {
    if (!ranksStale) return;
    const ids = [...held.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    ids.forEach((id, rank) => (held.get(id)!.rank = rank));
    // Every group's order is by id at equal sums: numbering again keeps it.
    ranksStale = false;
  };
  const unindex = <K>(index: Map<K, Group>, key: K, id: string): void => {
    const group = index.get(key);
    group?.delete(id);
    if (group?.size === 0) index.delete(key);
  };
  const unhold = (id: string): EntryFacts | undefined => {
    const facts = held.get(id);
    if (facts === undefined) return undefined;
    const entry = facts.entry;
    held.delete(id);
    unindex(byType, entry.type, id);
    for (const [name, value] of Object.entries(entry.labels)) {
      const values = byLabel.get(name);
      if (!values) continue;
      unindex(values, value, id);
      if (values.size === 0) byLabel.delete(name);
    }
    return facts;
  };
  const drop = (id: string): void => {
    if (unhold(id) !== undefined) ranksStale = true;
  };
  const put = (entry: DirectoryEntry): void => {
    const was = unhold(entry.id);
    if (entry.status !== "running") {
      if (was !== undefined) ranksStale = true;
      return;
    }
    const facts = factsOf(entry);
    if (was === undefined) ranksStale = true;
    else facts.rank = was.rank;
    let ofType = byType.get(entry.type);
    if (!ofType) byType.set(entry.type, (ofType = new Group()));
    ofType.set(entry.id, facts);
    for (const [name, value] of Object.entries(entry.labels)) {
      let values = byLabel.get(name);
      if (!values) byLabel.set(name, (values = new Map()));
      let withValue = values.get(value);
      if (!withValue) values.set(value, (withValue = new Group()));
      withValue.set(entry.id, facts);
    }
    held.set(entry.id, facts);
  };
  for (const entry of entries) put(entry);
  return {
    put,
    drop,
    *of(types) {
      const groups = types.length === 0 ? [held] : [...new Set(types)].flatMap((type) => byType.get(type) ?? []);
      for (const group of groups) for (const facts of group.values()) yield facts.entry;
    },
    candidates(types, constraints) {
      // The smallest source: the types' entries, or a label constraint's values' entries
      // (preferred at equal size: the constraint then needs no check).
      rankAll();
      let best: Group[] = types.length === 0 ? [held] : [...new Set(types)].flatMap((type) => byType.get(type) ?? []);
      let size = best.reduce((sum, group) => sum + group.size, 0);
      let meets: string | null = null;
      for (const [key, constraint] of Object.entries(constraints)) {
        const values = labelValuesRequired(key, constraint, isLabelKey);
        if (values === null) continue;
        const groups = values.flatMap((value) => byLabel.get(key)?.get(value) ?? []);
        const total = groups.reduce((sum, group) => sum + group.size, 0);
        if (total < size || (total === size && meets === null)) [best, size, meets] = [groups, total, key];
      }
      return { groups: best.map((group) => group.inOrder()), meets };
    },
    get size() {
      return held.size;
    },
  };
};
