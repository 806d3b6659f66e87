// Why: a discovery query (and every workflow run that binds agents) asks every directory
// shard to score its running entries; reading and JSON-parsing each of them from SQLite
// per query made a query over 10,000 agents cost tens of milliseconds. A shard keeps
// this in memory instead: its running entries by type, loaded once from storage and
// kept current by each registration it stores. Pure: the shard owns loading and writes.
import type { DirectoryEntry } from "./entry.ts";

export type RunningSet = {
  /** After a stored registration: kept while running, dropped otherwise. */
  put(entry: DirectoryEntry): void;
  /** After a stored deletion. */
  drop(id: string): void;
  /** The running entries of these types (all types when none are named). */
  of(types: readonly string[]): Iterable<DirectoryEntry>;
  readonly size: number;
};

export const createRunningSet = (entries: Iterable<DirectoryEntry> = []): RunningSet => {
  const byType = new Map<string, Map<string, DirectoryEntry>>();
  const typeOf = new Map<string, string>();
  const drop = (id: string): void => {
    const type = typeOf.get(id);
    if (type === undefined) return;
    typeOf.delete(id);
    const ofType = byType.get(type);
    ofType?.delete(id);
    if (ofType?.size === 0) byType.delete(type);
  };
  const put = (entry: DirectoryEntry): void => {
    drop(entry.id);
    if (entry.status !== "running") return;
    let ofType = byType.get(entry.type);
    if (!ofType) byType.set(entry.type, (ofType = new Map()));
    ofType.set(entry.id, entry);
    typeOf.set(entry.id, entry.type);
  };
  for (const entry of entries) put(entry);
  return {
    put,
    drop,
    *of(types) {
      if (types.length === 0) for (const ofType of byType.values()) yield* ofType.values();
      else for (const type of new Set(types)) yield* byType.get(type)?.values() ?? [];
    },
    get size() {
      return typeOf.size;
    },
  };
};
