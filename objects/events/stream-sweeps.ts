// A stream's delivery sweeps, one at a time and no wake-up lost: a sweep requested while
// one is under way is answered by that one, which then runs once more (so what the
// request was for is seen), instead of two sweeps delivering the same events at once.

/** `sweep`: one pass (retention, notices, delivery, re-arming), given the settings of the request that started the run of passes. */
export const createSweeps = <S>(sweep: (settings: S) => Promise<void>): ((settings: S) => Promise<void>) => {
  let sweeping: Promise<void> | null = null;
  let again = false;
  return (settings) => {
    if (sweeping) {
      again = true;
      return sweeping;
    }
    sweeping = (async () => {
      try {
        do {
          again = false;
          await sweep(settings);
        } while (again);
      } finally {
        sweeping = null;
      }
    })();
    return sweeping;
  };
};
