// Setting a Durable Object's one alarm from several possible deadlines: the alarm moves
// to the earliest of them, and is never pushed later than it already is.
export const armEarliest = async (storage: DurableObjectStorage, times: readonly (number | null)[]): Promise<void> => {
  const due = times.filter((at): at is number => at !== null);
  if (due.length === 0) return;
  const at = Math.min(...due);
  const current = await storage.getAlarm();
  if (current === null || current > at) await storage.setAlarm(at);
};

/**
 * `armEarliest` for an object that is the only one to set its alarm: the time it armed is
 * remembered, so arming again for a later time (most appends, most records) reads
 * nothing. The object calls `forget()` when its alarm handler starts and ends (the
 * runtime clears or retries the alarm then); the time is read again from storage after
 * that, after a failed write, and in a new instance after a restart.
 */
export const createAlarmArming = (storage: DurableObjectStorage) => {
  /** The alarm's time as this instance set or read it; undefined: not known. */
  let armed: number | null | undefined;
  /** Bumped by `forget()`, so a read that was under way meanwhile is not taken as known. */
  let epoch = 0;
  return {
    async earliest(times: readonly (number | null)[]): Promise<void> {
      const due = times.filter((at): at is number => at !== null);
      if (due.length === 0) return;
      const at = Math.min(...due);
      while (armed === undefined) {
        const since = epoch;
        const current = await storage.getAlarm();
        // A read the alarm handler overtook may name the alarm now running: read again.
        if (since === epoch && armed === undefined) armed = current;
      }
      if (armed !== null && armed <= at) return;
      // Known before the write, so a concurrent call for a later time does not move it later.
      armed = at;
      try {
        await storage.setAlarm(at);
      } catch (error) {
        armed = undefined;
        throw error;
      }
    },
    forget(): void {
      armed = undefined;
      epoch += 1;
    },
  };
};
export type AlarmArming = ReturnType<typeof createAlarmArming>;
