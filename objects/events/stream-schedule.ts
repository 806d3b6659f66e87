// A stream's deferred work: what one sweep does (retention when due, then the notices,
// then delivery) and when the object wakes for the next (the earliest of a delivery due,
// the retention's next expiry and notices still waiting). The retention in force is
// resolved here: a platform stream's from the deployment's variables
// (src/platform/events/retention.ts), any other's from its settings. Kept out of
// event-stream.ts, which says when a sweep is wanted; stream-sweeps.ts runs one at a time.
import { type BacklogCap, nextRetentionAt, platformRetention } from "../../src/platform/events/retention.ts";
import { storageBounds } from "../../src/platform/storage-bounds.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import type { Logger } from "../../src/platform/telemetry/logger.ts";
import type { AlarmMemo } from "../durable/index.ts";
import { type DeliveryContext, sweep } from "./stream-delivery.ts";
import { applyRetention, drainNotices } from "./stream-retention.ts";
import type { Retention, StreamSettings, StreamStore } from "./stream-store.ts";

export type ScheduleContext = {
  store: StreamStore;
  /** The object's variables and bindings, read at each use as the object reads `this.env`. */
  env: () => Env;
  alarm: AlarmMemo;
  backlogCap: BacklogCap;
  telemetry: Telemetry;
  log: Logger;
  /** What delivery needs, for the settings a sweep runs with. */
  delivery: (settings: StreamSettings) => DeliveryContext;
};

export type StreamSchedule = ReturnType<typeof createSchedule>;

export const createSchedule = (schedule: ScheduleContext) => {
  const { store, env, alarm, telemetry, log } = schedule;
  /** Retention runs in the delivery loop, never beside a delivery pass: set to run it on the next pass. */
  let retentionDue = false;

  /** The retention in force: the deployment's for a platform stream (nothing else sets it), else the stream's own. */
  const retention = (settings: StreamSettings): Retention => platformRetention(settings.stream, storageBounds(env())) ?? settings.retention;

  const arm = async (due: number | null, settings: StreamSettings): Promise<void> => {
    const now = Date.now();
    const inForce = retention(settings);
    const none = inForce.maxAgeMs === null && inForce.maxCount === null;
    const notices = store.notices.pending() > 0 ? now + 1_000 : null;
    await alarm.arm([due, none ? null : nextRetentionAt(inForce, store.oldestTime(), now), notices]);
  };

  /** Notices are appended to their streams; one that fails waits for the alarm. */
  const appendNotices = async (settings: StreamSettings): Promise<void> => {
    try {
      await drainNotices(store, env().STREAMS, settings.tenant, telemetry);
    } catch (error) {
      log.warn("appending notices failed; the alarm retries", { stream: settings.stream, error: String(error) });
    }
  };

  /** One sweep: retention when due, then notices, then delivery; re-armed for what is due next. */
  const pass = async (settings: StreamSettings): Promise<void> => {
    const current = store.settings() ?? settings;
    if (retentionDue) {
      retentionDue = false;
      applyRetention(store, { ...current, retention: retention(current) }, schedule.backlogCap, Date.now(), telemetry);
    }
    await appendNotices(current);
    const due = await sweep(schedule.delivery(current));
    await arm(due, current);
  };

  return {
    retention,
    arm,
    pass,
    /** Whether the next pass applies retention. */
    setRetentionDue: (due: boolean): void => {
      retentionDue = due;
    },
  };
};
