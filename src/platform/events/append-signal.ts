// Long-polling for the live tail: a reader that has read everything waits in the stream
// object for the next append, or until `ms` pass (then the tail sends a keep-alive),
// instead of the object pushing into a response body it holds. A body streamed out of
// an object breaks noisily when its client goes away; a pending call just ends.

export type AppendSignal = {
  /** Resolves true at the next append, or false after `ms` without one. */
  next(ms: number): Promise<boolean>;
  /** An append happened: every waiting reader reads on. */
  notify(): void;
};

export const createAppendSignal = (): AppendSignal => {
  let waiters = new Set<(appended: boolean) => void>();
  return {
    next: (ms) =>
      new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(done);
          resolve(false);
        }, ms);
        const done = (appended: boolean) => {
          clearTimeout(timer);
          resolve(appended);
        };
        waiters.add(done);
      }),
    notify: () => {
      const woken = waiters;
      waiters = new Set();
      for (const done of woken) done(true);
    },
  };
};
