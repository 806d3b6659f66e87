// Runs work against a deadline. The work receives an AbortSignal that fires at the
// deadline, so cooperative code can stop; either way its late result is ignored. Work
// that answers synchronously cannot overrun asynchronously, so it sets no timer.
export class TimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`did not finish within ${timeoutMs} ms`);
    this.name = "TimeoutError";
  }
}

const isThenable = <T>(value: T | PromiseLike<T>): value is PromiseLike<T> =>
  typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";

export const withTimeout = async <T>(work: (signal: AbortSignal) => T | PromiseLike<T>, timeoutMs: number): Promise<T> => {
  const controller = new AbortController();
  const value = work(controller.signal);
  if (!isThenable(value)) return value;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new TimeoutError(timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([value, expired]);
  } finally {
    clearTimeout(timer);
  }
};
