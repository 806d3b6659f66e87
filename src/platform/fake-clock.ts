// A clock for tests of timed rhythms (trailing-run.ts and what ships on it): `sleep`
// moves time on at once and records how long it was asked to wait; `advance` moves it
// on between requests.
export const fakeClock = () => {
  let t = 1_000;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleeps,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
  };
};
