// A run's upkeep on its coordinator's alarm, besides the state machine: each publishing
// pass first arms the alarm for what the run still needs (its next deadline, the watchdog
// of calls under way, a publishing retry), then publishes; once the run is settled (ended,
// its events published, its final status indexed) the alarm moves to when its retention
// ends, when the coordinator deletes it. The decisions are pure
// (src/platform/workflow/run-upkeep.ts); this is their alarm and storage side.
import { storageBounds } from "../../src/platform/storage-bounds.ts";
import { isSettled, passDeadlines } from "../../src/platform/workflow/run-upkeep.ts";
import type { AlarmMemo } from "../durable/index.ts";
import { type PublishingHost, publishRun } from "./run-publishing.ts";
import type { StoredRun } from "./run-store.ts";

/**
 * What upkeep needs of its coordinator: what publishing does, its alarm, and how many
 * calls are under way. `env()` is read when it is needed, not kept: the object's `env`
 * may be replaced while it lives (the workers tests set variables so).
 */
export type UpkeepHost = Omit<PublishingHost, "env"> & { env(): Env; alarm: AlarmMemo; callsUnderWay(): number };

export const createRunUpkeep = (host: UpkeepHost) => {
  const { store, alarm } = host;
  /** The deployment's run retention (its variables do not change while the object lives). */
  let retentionMs: number | undefined;

  /** Ended, its events published and its final status in the runs index: only its retention is left. */
  const settled = (run: StoredRun): boolean => isSettled({ state: run.state, indexedStatus: run.indexedStatus, pendingEvents: store.eventsWaiting() });

  const expiresAt = (run: StoredRun): number => {
    retentionMs ??= storageBounds(host.env()).runRetentionMs;
    return run.state.updatedAt + retentionMs;
  };

  /**
   * After a publishing pass: a run that is now settled needs its alarm only when its
   * retention ends, so the fallback armed before publishing (a second after) moves
   * there instead of waking the object for a pass with nothing to do.
   */
  const armAfterPass = async (): Promise<void> => {
    const run = host.current();
    if (!run || !settled(run)) return;
    const at = expiresAt(run);
    if ((await alarm.current()) !== at) await alarm.set(at);
  };

  return {
    settled,
    /** Settled, and its retention is over: the alarm deletes it. */
    expired: (run: StoredRun): boolean => settled(run) && Date.now() >= expiresAt(run),
    /** Once the run is settled, the alarm comes back when its retention ends (or earlier, for something else). */
    async armExpiry(): Promise<void> {
      const run = host.current();
      if (run && settled(run)) await alarm.arm([expiresAt(run)]);
    },
    /** One publishing pass: the alarm armed for what the run still needs, its events and status published, then the alarm moved to its expiry if it is settled. */
    async publishPass(): Promise<void> {
      const run = host.current();
      if (!run) return;
      const upkeep = { state: run.state, indexedStatus: run.indexedStatus, pendingEvents: store.eventsWaiting() };
      await alarm.arm(passDeadlines(upkeep, host.callsUnderWay(), Date.now()));
      await publishRun({ ...host, env: host.env() }, run);
      await armAfterPass();
    },
  };
};
