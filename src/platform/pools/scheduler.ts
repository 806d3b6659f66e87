// Why: a pool's waiting room must be fair twice over. Priority with aging, so urgent work
// goes first but a low-priority request is never starved; and weighted fair queueing
// between requesters (start-time fair queueing: each requester carries a virtual start
// tag that advances by units / weight per grant), so one tenant, agent or token cannot
// take the whole pool however many requests it sends. `fifo` pools skip the second rule.
//
// The two rules are applied in two steps, so that aging cannot undo the weights: first
// the priority level to serve is chosen, each level competing at its priority plus one
// step per AGING period its oldest request has waited (up to critical; a tie goes to the
// level whose oldest request is older); then, within that level, the requester with the
// smallest start tag (`fifo`: the oldest request). Aging a single request instead would
// lift the requests of a light-weight requester (which wait longer, being served less)
// above everyone else's, and give it more than its weight.
//
// Head of line: when the request chosen next needs more units than are free, nothing
// behind it is granted (no backfill): smaller requests could otherwise overtake a large
// one forever. Pure: the clock comes in as `now`; the object holds the waiters' promises.
export const PRIORITIES = ["low", "normal", "high", "critical"] as const;
export type Priority = (typeof PRIORITIES)[number];
export type Fairness = "fifo" | "per_requester";

const LEVEL: Record<Priority, number> = { low: 0, normal: 1, high: 2, critical: 3 };
const TOP_LEVEL = 3;

export type Waiter = {
  /** Unique among the waiters. */
  id: string;
  requester: string;
  units: number;
  priority: Priority;
  /** When the request arrived (epoch ms): aging and arrival order count from it. */
  since: number;
};

export type SchedulerOptions = {
  fairness: Fairness;
  /** Milliseconds of waiting that lift a request one priority level. */
  agingMs: number;
  /** The requester's weight (> 0); requesters not configured weigh 1. */
  weightOf: (requester: string) => number;
};

/** The level a request lifts its priority to now: its priority's, plus one per aging period waited. */
export const effectiveLevel = (waiter: Waiter, now: number, agingMs: number): number =>
  Math.min(TOP_LEVEL, LEVEL[waiter.priority] + Math.floor(Math.max(0, now - waiter.since) / agingMs));

type Entry = Waiter & { seq: number };

/** Arrival order: by arrival time, then by when the queue took it. */
const earlier = (a: Entry, b: Entry): boolean => (a.since !== b.since ? a.since < b.since : a.seq < b.seq);

export class FairQueue {
  readonly #options: SchedulerOptions;
  readonly #waiters = new Map<string, Entry>();
  /** Waiters per requester, to know when one stops being backlogged. */
  readonly #backlog = new Map<string, number>();
  /** Each requester's virtual start tag (weighted units served, offset to when it became backlogged). */
  readonly #tags = new Map<string, number>();
  #virtualTime = 0;
  #seq = 0;

  constructor(options: SchedulerOptions) {
    if (!(options.agingMs > 0)) throw new RangeError(`agingMs must be positive, got ${options.agingMs}`);
    this.#options = options;
  }

  get size(): number {
    return this.#waiters.size;
  }

  has(id: string): boolean {
    return this.#waiters.has(id);
  }

  waiters(): Waiter[] {
    return [...this.#waiters.values()].map(({ seq: _seq, ...waiter }) => waiter);
  }

  /** Adds a waiter; a requester that had none starts at the current virtual time (no credit for idling). */
  enqueue(waiter: Waiter): void {
    if (this.#waiters.has(waiter.id)) throw new Error(`waiter '${waiter.id}' is already queued`);
    const backlog = this.#backlog.get(waiter.requester) ?? 0;
    if (backlog === 0) this.#tags.set(waiter.requester, Math.max(this.#tags.get(waiter.requester) ?? 0, this.#virtualTime));
    this.#backlog.set(waiter.requester, backlog + 1);
    this.#waiters.set(waiter.id, { ...waiter, seq: this.#seq++ });
  }

  /** Drops a waiter (timed out, cancelled); answers whether it was queued. */
  remove(id: string): boolean {
    const entry = this.#waiters.get(id);
    if (!entry) return false;
    this.#waiters.delete(id);
    this.#leave(entry.requester);
    return true;
  }

  /** The waiter to serve next, or null when none waits. */
  peek(now: number): Waiter | null {
    // Step 1: the level to serve, by its priority aged by the wait of its oldest request.
    const oldest = new Map<Priority, Entry>();
    for (const entry of this.#waiters.values()) {
      const first = oldest.get(entry.priority);
      if (!first || earlier(entry, first)) oldest.set(entry.priority, entry);
    }
    let level: Priority | null = null;
    let best: { at: number; oldest: Entry } | null = null;
    for (const [priority, first] of oldest) {
      const at = effectiveLevel(first, now, this.#options.agingMs);
      if (best === null || at > best.at || (at === best.at && earlier(first, best.oldest))) {
        best = { at, oldest: first };
        level = priority;
      }
    }
    // Step 2: within the level, the fair (or first-come) choice.
    let chosen: Entry | null = null;
    for (const entry of this.#waiters.values()) {
      if (entry.priority === level && (chosen === null || this.#before(entry, chosen))) chosen = entry;
    }
    if (chosen === null) return null;
    const { seq: _seq, ...waiter } = chosen;
    return waiter;
  }

  /**
   * Grants waiters in order while the next one fits in `free` units; answers those
   * granted (already removed from the queue).
   */
  grant(free: number, now: number): Waiter[] {
    const granted: Waiter[] = [];
    let left = free;
    for (;;) {
      const next = this.peek(now);
      if (next === null || next.units > left) return granted;
      this.#serve(next);
      left -= next.units;
      granted.push(next);
    }
  }

  /** Among waiters of the same level: fifo by arrival; per_requester by start tag, then arrival. */
  #before(a: Entry, b: Entry): boolean {
    if (this.#options.fairness === "per_requester" && a.requester !== b.requester) {
      const ta = this.#tags.get(a.requester) ?? 0;
      const tb = this.#tags.get(b.requester) ?? 0;
      if (ta !== tb) return ta < tb;
    }
    return earlier(a, b);
  }

  #serve(waiter: Waiter): void {
    const start = this.#tags.get(waiter.requester) ?? this.#virtualTime;
    this.#virtualTime = Math.max(this.#virtualTime, start);
    this.#tags.set(waiter.requester, start + waiter.units / this.#options.weightOf(waiter.requester));
    this.#waiters.delete(waiter.id);
    this.#leave(waiter.requester);
    if (this.#tags.size > 2 * this.#backlog.size + 64) this.#forgetIdle();
  }

  /** Keeps the tags bounded: idle requesters at or behind the virtual time carry nothing. */
  #forgetIdle(): void {
    for (const [requester, tag] of this.#tags) {
      if (!this.#backlog.has(requester) && tag <= this.#virtualTime) this.#tags.delete(requester);
    }
  }

  #leave(requester: string): void {
    const left = (this.#backlog.get(requester) ?? 1) - 1;
    if (left > 0) {
      this.#backlog.set(requester, left);
      return;
    }
    this.#backlog.delete(requester);
    // A requester that is idle and owes nothing restarts at the virtual time anyway: forget it.
    if ((this.#tags.get(requester) ?? 0) <= this.#virtualTime) this.#tags.delete(requester);
  }
}
