// The agent's alarm and what it keeps due: the outbox drain (one at a time, backing off
// while it fails), due schedules, restarts and health checks, the pruning of expired
// idempotency records (at most once per IDEMPOTENCY_PRUNE_INTERVAL_MS) and the directory
// refresh with fresh load figures. The alarm is the durable backstop of every fast path:
// each is re-armed from stored deadlines when the object starts.
import { IDEMPOTENCY_PRUNE_INTERVAL_MS } from "../../src/platform/agent/idempotency.ts";
import { classifyDurableFault } from "../../src/platform/durable-faults.ts";
import type { watchMetrics } from "../metrics/index.ts";
import { type AgentCore, armAlarm } from "./core.ts";
import { type AgentDirectory, DIRECTORY_RETRY_MS, refreshDelay } from "./directory.ts";
import { restartIfDue } from "./lifecycle.ts";
import { drainAgentOutbox } from "./outbox.ts";
import { fireDueSchedules, nextScheduleDue } from "./schedules.ts";
import { checkHealthIfDue, nextHealthDue, nextRestartDue } from "./supervision.ts";

/** How soon the alarm retries an outbox that could not be drained right away. */
export const OUTBOX_RETRY_MS = 1_000;

type UpkeepDeps = {
  core: AgentCore;
  storage: DurableObjectStorage;
  streams: Env["STREAMS"];
  directory: AgentDirectory;
  metrics: ReturnType<typeof watchMetrics>;
};

export const createAgentUpkeep = ({ core, storage, streams, directory, metrics }: UpkeepDeps) => {
  let draining: Promise<boolean> | null = null;
  let drainFailures = 0;

  /** Drains the outbox once at a time; a failure leaves the events for the alarm to retry. */
  const drain = (): Promise<boolean> => {
    draining ??= drainAgentOutbox(core, streams, core.deps.telemetry)
      .then((empty) => {
        drainFailures = 0;
        return empty;
      })
      .catch((error: unknown) => {
        drainFailures++;
        core.deps.log.warn("outbox drain failed", { error: error instanceof Error ? error.message : String(error), failures: drainFailures });
        return false;
      })
      .finally(() => {
        draining = null;
      });
    return draining;
  };

  /** Arms the alarm for the earliest due schedule (only while the agent runs: others wait), pending restart or health check. */
  const armSchedules = (): void => {
    for (const due of [nextScheduleDue(core), nextRestartDue(core), nextHealthDue(core)]) {
      if (due !== null) armAlarm(core, due);
    }
  };

  const retryDirectoryIfPending = (): void => {
    if (directory.pending()) armAlarm(core, Date.now() + DIRECTORY_RETRY_MS);
  };

  return {
    drain,
    armSchedules,
    retryDirectoryIfPending,

    /** Re-arms the alarm from stored deadlines: idempotency expiry, undelivered events, schedules and the directory refresh. */
    async rearm(): Promise<void> {
      if (!core.meta) return;
      core.alarmAt = await storage.getAlarm();
      const next = core.store.nextIdempotencyExpiry();
      if (next !== null) armAlarm(core, next);
      if (core.store.outboxPending() > 0) armAlarm(core, Date.now());
      // The refresh: the start registers the entry right after this, and a failure brings it forward.
      armAlarm(core, Date.now() + refreshDelay(Math.random));
      armSchedules();
    },

    /**
     * The alarm: fires due schedules, drains the outbox, prunes expired idempotency records
     * (then again no sooner than IDEMPOTENCY_PRUNE_INTERVAL_MS) and refreshes the directory
     * entry (with the load figures); idempotent, and re-arms itself.
     */
    async run(): Promise<void> {
      core.alarmAt = null;
      try {
        if (!core.store.readMeta()) return;
        await restartIfDue(core);
        await checkHealthIfDue(core);
        if (await fireDueSchedules(core)) armAlarm(core, Date.now());
        armSchedules();
        const empty = await drain();
        if (!empty) armAlarm(core, Date.now() + Math.min(60_000, OUTBOX_RETRY_MS * 2 ** Math.min(drainFailures, 6)));
        const pruned = Date.now();
        const { nextExpiry } = core.store.pruneIdempotency(pruned);
        if (nextExpiry !== null) armAlarm(core, Math.max(nextExpiry, pruned + IDEMPOTENCY_PRUNE_INTERVAL_MS));
        await directory.register();
        // How soon the directory needs the alarm: a retry while a change is unacknowledged, else the (spread) refresh.
        if (core.meta) armAlarm(core, Date.now() + (directory.pending() ? DIRECTORY_RETRY_MS : refreshDelay(Math.random)));
        await metrics.flush();
      } catch (error) {
        // A transient storage fault (SQLite out of memory under thousands of live objects
        // locally) is retried by this object's own alarm, quietly, rather than thrown for
        // the runtime to retry and log; anything else is a fault to report.
        if (classifyDurableFault(error) !== "retryable") throw error;
        core.deps.log.warn("alarm work failed; retried", { error: error instanceof Error ? error.message : String(error) });
        armAlarm(core, Date.now() + DIRECTORY_RETRY_MS);
      }
    },
  };
};

export type AgentUpkeep = ReturnType<typeof createAgentUpkeep>;
