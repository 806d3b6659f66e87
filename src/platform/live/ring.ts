// Why: a client that reconnects with the version it last saw should get only what it
// missed. The agent keeps its most recent patches here (bounded by count and size); a
// version older than the ring, or a gap (a change that was sent whole), means the client
// gets the whole state instead.
import type { Operation } from "rfc6902";

export type RingEntry = { from: number; version: number; patch: Operation[]; chars: number };

export type PatchRing = {
  /** Records the change `from` -> `version`; a change that does not follow the newest entry starts the ring anew. */
  push(entry: RingEntry): void;
  /** Forgets everything: the next reconnect gets the whole state. */
  clear(): void;
  /** The patches from `since` to `current` in order; [] when up to date; null when the ring cannot bridge the gap. */
  since(since: number, current: number): RingEntry[] | null;
  readonly size: number;
};

export const createPatchRing = (options: { maxVersions: number; maxChars: number }): PatchRing => {
  if (!Number.isInteger(options.maxVersions) || options.maxVersions < 1) throw new RangeError(`maxVersions must be a positive integer, got ${options.maxVersions}`);
  if (!Number.isInteger(options.maxChars) || options.maxChars < 1) throw new RangeError(`maxChars must be a positive integer, got ${options.maxChars}`);
  let entries: RingEntry[] = [];
  let chars = 0;
  return {
    push(entry) {
      const last = entries.at(-1);
      if (last && last.version !== entry.from) {
        entries = [];
        chars = 0;
      }
      // A patch larger than the whole ring cannot be kept: the ring restarts after it.
      if (entry.chars > options.maxChars) {
        entries = [];
        chars = 0;
        return;
      }
      entries.push(entry);
      chars += entry.chars;
      while (entries.length > options.maxVersions || chars > options.maxChars) chars -= entries.shift()!.chars;
    },
    clear() {
      entries = [];
      chars = 0;
    },
    since(since, current) {
      if (since === current) return [];
      const last = entries.at(-1);
      if (!last || last.version !== current || since > current) return null;
      const start = entries.findIndex((entry) => entry.from === since);
      return start === -1 ? null : entries.slice(start);
    },
    get size() {
      return entries.length;
    },
  };
};
