// Setting a Durable Object's one alarm from several possible deadlines: the alarm moves
// to the earliest of them, and is never pushed later than it already is.
export const armEarliest = async (storage: DurableObjectStorage, times: readonly (number | null)[]): Promise<void> => {
  const due = times.filter((at): at is number => at !== null);
  if (due.length === 0) return;
  const at = Math.min(...due);
  const current = await storage.getAlarm();
  if (current === null || current > at) await storage.setAlarm(at);
};
