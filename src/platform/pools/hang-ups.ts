// Why: an acquire whose client hangs up must not keep a place in the pool's queue, nor
// units it was granted as it hung up. The Worker tells the pool (`cancelWaiter`) when the
// request's signal aborts, but that call may arrive after the grant, or (another RPC
// than the acquire's) even before the acquire itself. So the pool remembers, for a
// while, the attempts it granted by waiting (to release a grant nobody will receive)
// and the attempts cancelled before it saw them (to refuse them when they arrive). An
// attempt is the waiter's id (requester and key) and its arrival time: a later request
// with the same Idempotency-Key is another attempt, which a late cancel does not touch.
// Pure and bounded: entries are forgotten after `keepMs` and beyond `maxEntries`.

export type HangUpOptions = { keepMs: number; maxEntries: number };

const attempt = (waiterId: string, since: number): string => `${waiterId}\n${since}`;

export class HangUps {
  readonly #options: HangUpOptions;
  /** Attempt -> the lease granted to it, in grant order (so the oldest are first). */
  readonly #granted = new Map<string, { leaseId: string; at: number }>();
  /** Attempts cancelled before the pool held them, in cancel order. */
  readonly #cancelled = new Map<string, number>();

  constructor(options: HangUpOptions) {
    if (!(options.keepMs > 0) || !(options.maxEntries > 0)) throw new RangeError("keepMs and maxEntries must be positive");
    this.#options = options;
  }

  /** Records the lease granted to an attempt (released if that attempt is cancelled later). */
  granted(waiterId: string, since: number, leaseId: string, now: number): void {
    this.#put(this.#granted, attempt(waiterId, since), { leaseId, at: now }, now, (entry) => entry.at);
  }

  /** The lease granted to this attempt, forgotten from here on (it is being released); null when none is known. */
  takeGrant(waiterId: string, since: number, now: number): string | null {
    this.#prune(this.#granted, now, (entry) => entry.at);
    const key = attempt(waiterId, since);
    const entry = this.#granted.get(key);
    this.#granted.delete(key);
    return entry?.leaseId ?? null;
  }

  /** Records an attempt cancelled before the pool held it or granted it. */
  cancelled(waiterId: string, since: number, now: number): void {
    this.#put(this.#cancelled, attempt(waiterId, since), now, now, (at) => at);
  }

  /** Whether this attempt was cancelled before it arrived. */
  wasCancelled(waiterId: string, since: number, now: number): boolean {
    this.#prune(this.#cancelled, now, (at) => at);
    return this.#cancelled.has(attempt(waiterId, since));
  }

  #put<V>(map: Map<string, V>, key: string, value: V, now: number, atOf: (value: V) => number): void {
    map.delete(key);
    map.set(key, value);
    this.#prune(map, now, atOf);
  }

  /** Drops the oldest entries: those older than keepMs, and any beyond maxEntries. */
  #prune<V>(map: Map<string, V>, now: number, atOf: (value: V) => number): void {
    for (const [key, value] of map) {
      if (map.size <= this.#options.maxEntries && atOf(value) > now - this.#options.keepMs) return;
      map.delete(key);
    }
  }
}
