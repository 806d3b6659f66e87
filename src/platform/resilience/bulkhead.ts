// Why: cap how many calls run at once against a shared resource and shed load
// beyond a bounded queue, instead of letting waiters pile up without limit.

export type BulkheadOptions = { maxConcurrent: number; maxQueue: number };
export type BulkheadStats = { active: number; queued: number; maxConcurrent: number; maxQueue: number };

export type Bulkhead = {
  run<T>(fn: () => Promise<T>): Promise<T>;
  stats(): BulkheadStats;
  /** Resolves once nothing is running or queued; used to drain on shutdown. */
  idle(): Promise<void>;
};

export class BulkheadFullError extends Error {
  override name = "BulkheadFullError";
  readonly maxConcurrent: number;
  readonly maxQueue: number;

  constructor(maxConcurrent: number, maxQueue: number) {
    super(`bulkhead full: ${maxConcurrent} running and ${maxQueue} queued`);
    this.maxConcurrent = maxConcurrent;
    this.maxQueue = maxQueue;
  }
}

function requireInteger(field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`bulkhead.${field} must be an integer >= ${min}`);
  }
}

export function createBulkhead(options: BulkheadOptions): Bulkhead {
  requireInteger("maxConcurrent", options.maxConcurrent, 1);
  requireInteger("maxQueue", options.maxQueue, 0);
  const { maxConcurrent, maxQueue } = options;
  let active = 0;
  const waiters: Array<() => void> = [];
  let idleWaiters: Array<() => void> = [];

  const isIdle = (): boolean => active === 0 && waiters.length === 0;

  /** A queued caller inherits the slot directly, so `active` never dips and a new arrival cannot jump the queue. */
  function releaseSlot(): void {
    const next = waiters.shift();
    if (next) {
      next();
      return;
    }
    active -= 1;
    if (!isIdle()) return;
    const resolvers = idleWaiters;
    idleWaiters = [];
    for (const resolve of resolvers) resolve();
  }

  async function acquireSlot(): Promise<void> {
    if (active < maxConcurrent) {
      active += 1;
      return;
    }
    if (waiters.length >= maxQueue) throw new BulkheadFullError(maxConcurrent, maxQueue);
    await new Promise<void>((resolve) => waiters.push(resolve));
  }

  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      await acquireSlot();
      try {
        return await fn();
      } finally {
        releaseSlot();
      }
    },
    stats: () => ({ active, queued: waiters.length, maxConcurrent, maxQueue }),
    idle: () => (isIdle() ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
  };
}
