// Publishing after transitions, one pass at a time: every transition applied while a
// pass is under way (and every one of the same turn, which come before its first
// await, and those of the next PUBLISH_COALESCE_MS while calls are under way) is
// published by the next pass, so the events of all of them go in one append instead of
// one per transition, and no two passes append the same events.

/** `delay`: how long a pass waits for more turns (asked once the turn is over); `pass`: one publishing pass. */
export const createPublishPasses = (delay: () => number, pass: () => Promise<void>): (() => Promise<void>) => {
  let publishing: Promise<void> | null = null;
  let unpublished = false;
  const passes = async (): Promise<void> => {
    try {
      await null; // the rest of this turn's transitions are applied first
      // While calls are under way, their outcomes' turns (due in moments) join this pass.
      const wait = delay();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      while (unpublished) {
        unpublished = false;
        await pass();
      }
    } finally {
      publishing = null;
    }
  };
  return () => {
    unpublished = true;
    publishing ??= passes();
    return publishing;
  };
};
