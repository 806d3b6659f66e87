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
 * The alarm as this object last set or read it, so that arming asks storage only when it
 * does not know: an object that arms its alarm after every turn read it back each time.
 * A time already due counts as unknown (it may have fired, and the runtime cleared it),
 * as does anything after a failed write; `unknown()` forgets it (an alarm handler starts:
 * the runtime clears or retries the alarm it fires). A new object knows it has none.
 */
export const createAlarmMemo = (storage: DurableObjectStorage, options: { none?: boolean } = {}) => {
  /** undefined: unknown. */
  let known: number | null | undefined = options.none ? null : undefined;
  /** Counts what changed `known`: a read that another write overtook does not overwrite it. */
  let changes = 0;
  /** What `known` says, unless it does not know or holds a time already due. */
  const trusted = (): number | null | undefined => (known === null || (known !== undefined && known > Date.now()) ? known : undefined);
  const current = async (): Promise<number | null> => {
    const now = trusted();
    if (now !== undefined) return now;
    const before = changes;
    const read = await storage.getAlarm();
    if (changes === before) known = read;
    // A write while this read was under way is newer than what it read.
    return trusted() ?? read;
  };
  const set = async (at: number): Promise<void> => {
    known = at;
    changes++;
    try {
      await storage.setAlarm(at);
    } catch (error) {
      known = undefined;
      changes++;
      throw error;
    }
  };
  return {
    current,
    set,
    /** The earliest of `times` (nulls ignored), unless the alarm is already that early. */
    async arm(times: readonly (number | null)[]): Promise<void> {
      const due = times.filter((at): at is number => at !== null);
      if (due.length === 0) return;
      const at = Math.min(...due);
      const read = await current();
      // Decided on what is known now: another arm may have set the alarm since that read resolved.
      const now = trusted() ?? read;
      if (now === null || now > at) await set(at);
    },
    /** The alarm was deleted (with the object's storage). */
    none(): void {
      known = null;
      changes++;
    },
    unknown(): void {
      known = undefined;
      changes++;
    },
  };
};

export type AlarmMemo = ReturnType<typeof createAlarmMemo>;
