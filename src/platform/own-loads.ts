// Why: in a Worker, a request must never await I/O that another request started. The
// runtime ties I/O to the request that began it; a request left waiting only on another
// request's I/O has nothing of its own pending, and workerd cancels it as hung ("would
// never generate a response"), or it hangs if that other request goes away first. So
// isolate-wide caches in the Worker may not hand out one in-flight load promise to
// concurrent requests. Instead each caller loads in its own context, and concurrency is
// bounded by counting, not by sharing: a caller finding `maxInFlight` loads of the same
// key under way waits on its own short timer (its own pending event) and takes a load's
// answer that settled meanwhile, else loads itself after `maxWaits` waits. What is shared
// is plain values (counters, settled answers), never promises. (Within one Durable
// Object sharing promises is fine: its requests may resolve each other's promises.)

export type OwnLoadsOptions = {
  /** Loads of one key under way at once in this isolate before further callers wait (default 1). */
  maxInFlight?: number;
  /** How long a waiting caller sleeps before looking again (default 10 ms). */
  waitMs?: number;
  /** Waits before a caller loads anyway (default 100: about a second at 10 ms). */
  maxWaits?: number;
  /** Settled answers kept (one per key; the oldest goes first). */
  maxKeys?: number;
  sleep?: (ms: number) => Promise<void>;
};

export type OwnLoads<T> = {
  /**
   * `load()` run as the caller's own I/O, or, while others' loads of `key` are under way,
   * the answer of one that settles after this call began (or `peek()`'s, checked after each wait).
   */
  load(key: string, load: () => Promise<T>, peek?: () => T | undefined): Promise<T>;
  /** Loads of `key` under way in this isolate now. */
  inFlight(key: string): number;
};

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const positive = (name: string, value: number | undefined, fallback: number, min: number): number => {
  const chosen = value ?? fallback;
  if (!Number.isInteger(chosen) || chosen < min) throw new RangeError(`own loads: ${name} must be an integer >= ${min} (got ${chosen})`);
  return chosen;
};

export const createOwnLoads = <T>(options: OwnLoadsOptions = {}): OwnLoads<T> => {
  const maxInFlight = positive("maxInFlight", options.maxInFlight, 1, 1);
  const waitMs = positive("waitMs", options.waitMs, 10, 0);
  const maxWaits = positive("maxWaits", options.maxWaits, 100, 0);
  const maxKeys = positive("maxKeys", options.maxKeys, 1_000, 1);
  const sleep = options.sleep ?? defaultSleep;
  const running = new Map<string, number>();
  const settled = new Map<string, { seq: number; value: T }>();
  let seq = 0;

  const inFlight = (key: string) => running.get(key) ?? 0;

  return {
    inFlight,
    async load(key, load, peek) {
      const since = seq;
      for (let waits = 0; inFlight(key) >= maxInFlight && waits < maxWaits; waits++) {
        await sleep(waitMs);
        const last = settled.get(key);
        if (last && last.seq > since) return last.value;
        const peeked = peek?.();
        if (peeked !== undefined) return peeked;
      }
      running.set(key, inFlight(key) + 1);
      try {
        const value = await load();
        settled.delete(key);
        if (settled.size >= maxKeys) settled.delete(settled.keys().next().value as string);
        settled.set(key, { seq: ++seq, value });
        return value;
      } finally {
        const left = inFlight(key) - 1;
        if (left > 0) running.set(key, left);
        else running.delete(key);
      }
    },
  };
};
