// An agent handles one action at a time, like a process working through its mailbox:
// the state an action reads is the state the previous action committed. The
// bulkhead in front bounds how many calls can be waiting here.
export type Mailbox = { run<T>(fn: () => Promise<T>): Promise<T> };

export const createMailbox = (): Mailbox => {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(fn: () => Promise<T>): Promise<T> {
      const result = tail.then(fn);
      // The next call waits for this one to settle, whatever its outcome.
      tail = result.then(
        () => undefined,
        () => undefined,
      );
      return result;
    },
  };
};
