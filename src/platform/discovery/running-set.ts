// Why: a discovery query (and every workflow run that binds agents) asks every directory
// shard to score its running entries; reading and JSON-parsing each of them from SQLite
// per query made a query over 10,000 agents cost tens of milliseconds. A shard keeps
// this in memory instead: its running entries by type and by label value, loaded once
// from storage and kept current by each registration it stores, so a query scores only
// the entries that can match it (the smallest of: its types' entries, or for a label
// constraint the entries holding one of the values it requires). Each entry is held
// with its facts (fast-match.ts: what scoring it needs that no query changes), worked
// out once when it is taken in. Pure: the shard owns loading and writes.
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
   * often much smaller than `of(types)`, as the facts of each, in groups (no entry in two):
   * the caller still checks each (matchEntry), but for the label constraint `meets` names
   * when the groups are that label's values it requires (every entry meets it).
   */
  candidates(types: readonly string[], constraints: Constraints): { groups: Iterable<EntryFacts>[]; meets: string | null };
  readonly size: number;
};

const isLabelKey = (key: string): boolean => LABEL_KEY.test(key);

export const createRunningSet = (entries: Iterable<DirectoryEntry> = []): RunningSet => {
  const byType = new Map<string, Map<string, EntryFacts>>();
  /** label name -> value -> the running entries with that label value. */
  const byLabel = new Map<string, Map<string, Map<string, EntryFacts>>>();
  const held = new Map<string, EntryFacts>();
  const unindex = <K>(index: Map<K, Map<string, EntryFacts>>, key: K, id: string): void => {
    const group = index.get(key);
    group?.delete(id);
    if (group?.size === 0) index.delete(key);
  };
  const drop = (id: string): void => {
    const entry = held.get(id)?.entry;
    if (entry === undefined) return;
    held.delete(id);
    unindex(byType, entry.type, id);
    for (const [name, value] of Object.entries(entry.labels)) {
      const values = byLabel.get(name);
      if (!values) continue;
      unindex(values, value, id);
      if (values.size === 0) byLabel.delete(name);
    }
  };
  const put = (entry: DirectoryEntry): void => {
    drop(entry.id);
    if (entry.status !== "running") return;
    const facts = factsOf(entry);
    let ofType = byType.get(entry.type);
    if (!ofType) byType.set(entry.type, (ofType = new Map()));
    ofType.set(entry.id, facts);
    for (const [name, value] of Object.entries(entry.labels)) {
      let values = byLabel.get(name);
      if (!values) byLabel.set(name, (values = new Map()));
      let withValue = values.get(value);
      if (!withValue) values.set(value, (withValue = new Map()));
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
      let best: Map<string, EntryFacts>[] = types.length === 0 ? [held] : [...new Set(types)].flatMap((type) => byType.get(type) ?? []);
      let size = best.reduce((sum, group) => sum + group.size, 0);
      let meets: string | null = null;
      for (const [key, constraint] of Object.entries(constraints)) {
        const values = labelValuesRequired(key, constraint, isLabelKey);
        if (values === null) continue;
        const groups = values.flatMap((value) => byLabel.get(key)?.get(value) ?? []);
        const total = groups.reduce((sum, group) => sum + group.size, 0);
        if (total < size || (total === size && meets === null)) [best, size, meets] = [groups, total, key];
      }
      return { groups: best.map((group) => group.values()), meets };
    },
    get size() {
      return held.size;
    },
  };
};
