// Bounded polling for the integration tests: read until a check holds, or fail showing
// the last value read. Never a fixed sleep standing in for a condition.
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const eventually = async <T>(
  what: string,
  read: () => Promise<T>,
  check: (value: T) => boolean,
  tries = 500,
  intervalMs = 10,
): Promise<T> => {
  let last: T | undefined;
  for (let i = 0; i < tries; i++) {
    last = await read();
    if (check(last)) return last;
    await pause(intervalMs);
  }
  throw new Error(`gave up waiting for ${what}; last seen: ${JSON.stringify(last)}`);
};
