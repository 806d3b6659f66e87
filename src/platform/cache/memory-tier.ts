// L1: this isolate's memory. A least-recently-used map bounded by bytes (lru-cache),
// counting each copy's JSON text and name plus a fixed overhead, so a burst of large
// values evicts rather than grows the isolate. Beside it, each name's version floor:
// the newest version this isolate has seen committed or deleted, so a copy older than
// that is never taken from any tier again (reads here do not go back in time). Floors
// are numbers in a bounded LRU of their own; a floor evicted is a guarantee forgotten
// for a key this isolate has not touched in a long while, never a wrong answer.
import { LRUCache } from "lru-cache";
import type { CacheCopy } from "./entry.ts";

export const DEFAULT_L1_MAX_BYTES = 16 * 1024 * 1024;
const FLOOR_ENTRIES = 100_000;
const ENTRY_OVERHEAD_BYTES = 96;

export type MemoryTier = {
  readonly maxBytes: number;
  get(name: string): CacheCopy | undefined;
  set(name: string, copy: CacheCopy): void;
  delete(name: string): void;
  /** The newest version seen for `name` (0 when none). */
  floor(name: string): number;
  /** Records that `version` of `name` exists (or existed and was deleted). */
  raise(name: string, version: number): void;
  /** Bytes held now. */
  bytes(): number;
  clear(): void;
};

/** The L1 budget from the deployment's var (JIDO_CACHE_L1_MAX_BYTES): a whole number of bytes, 0 turns L1 off; else the default. */
export const l1MaxBytes = (value: string | undefined): number => {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isInteger(n) && n >= 0 ? n : DEFAULT_L1_MAX_BYTES;
};

export const createMemoryTier = (maxBytes: number): MemoryTier => {
  const floors = new LRUCache<string, number>({ max: FLOOR_ENTRIES });
  const copies =
    maxBytes > 0
      ? new LRUCache<string, CacheCopy>({ maxSize: maxBytes, sizeCalculation: (copy, name) => copy.value.length + name.length + ENTRY_OVERHEAD_BYTES })
      : null;
  const raise = (name: string, version: number) => {
    if ((floors.get(name) ?? 0) < version) floors.set(name, version);
  };
  return {
    maxBytes,
    get: (name) => copies?.get(name),
    set: (name, copy) => {
      raise(name, copy.version);
      const held = copies?.get(name);
      // Keep the newer of two copies of one version (a later asOf), and never replace a newer version.
      if (held && (held.version > copy.version || (held.version === copy.version && held.asOf >= copy.asOf))) return;
      copies?.set(name, copy);
    },
    delete: (name) => {
      copies?.delete(name);
    },
    floor: (name) => floors.get(name) ?? 0,
    raise,
    bytes: () => copies?.calculatedSize ?? 0,
    clear: () => {
      copies?.clear();
      floors.clear();
    },
  };
};
