// Bounded waiting for end-to-end tests: polls a condition until it holds or the time
// runs out (then fails naming what was awaited).
export const until = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 90_000, intervalMs = 100): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`gave up waiting for ${what}`);
};
