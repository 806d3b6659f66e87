// Supervision of one agent, in OTP's terms: a restart policy per agent type
// (`permanent` | `transient` | `temporary`) with an intensity (`maxRestarts` within
// `withinMs`). When onStart or a health check fails, the agent is restarted (onStart on
// its last committed state) after a backoff; a failure past the intensity escalates:
// the agent is `failed` for good and says why. Pure: the object stores the record and
// runs the restarts on its alarm, so they survive eviction and SIGKILL.
import { z } from "zod";

/** Why a start or health check failed (the shape of the agent's lastError; declared here so agent-meta can import this module). */
export type LastError = { at: number; type: string; status: number; detail: string };

const ms = (fallback: number) => z.number().int().positive().default(fallback);

export const supervisionSchema = z
  .strictObject({
    /**
     * `temporary` (the default, as before supervision existed): a failed start leaves the agent
     * `failed`. `permanent` and `transient` restart it; an agent here only ends normally by
     * stop or DELETE, which are never restarted, so the two behave alike.
     */
    restart: z.enum(["permanent", "transient", "temporary"]).default("temporary"),
    maxRestarts: z.number().int().min(0).max(1_000).default(3),
    withinMs: ms(60_000),
    /** The first restart waits `backoffMs`, each further one within the window twice as long, up to `maxBackoffMs`. */
    backoffMs: z.number().int().min(0).default(1_000),
    maxBackoffMs: z.number().int().min(0).default(30_000),
    /** How often `onHealthCheck` runs while the agent is running, and how long it may take. */
    healthCheck: z.strictObject({ intervalMs: z.number().int().min(1_000), timeoutMs: ms(5_000) }).optional(),
  })
  .refine((s) => s.maxBackoffMs >= s.backoffMs, { message: "maxBackoffMs must be >= backoffMs", path: ["maxBackoffMs"] })
  .prefault({});

export type SupervisionPolicy = z.output<typeof supervisionSchema>;

/** What the agent's meta record keeps about its supervision. */
export type SupervisionRecord = {
  /** Restarts begun so far (successful or not). */
  restarts: number;
  /** Times of the failures inside the current intensity window. */
  recentFailures: number[];
  lastReason: LastError | null;
  /** When the pending restart is due; null when none is pending. */
  nextRestartAt: number | null;
  lastRestartAt: number | null;
  escalated: boolean;
};

export const NO_SUPERVISION: SupervisionRecord = { restarts: 0, recentFailures: [], lastReason: null, nextRestartAt: null, lastRestartAt: null, escalated: false };

export type FailureDecision =
  | { kind: "restart"; record: SupervisionRecord; at: number }
  | { kind: "escalate"; record: SupervisionRecord }
  /** `temporary`: not restarted, and nothing escalates (the agent is simply failed). */
  | { kind: "give-up"; record: SupervisionRecord };

export const backoffFor = (policy: SupervisionPolicy, failuresInWindow: number): number =>
  Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** Math.max(0, failuresInWindow - 1));

/** What to do after a failure (of onStart or a health check) at `now`. */
export const onFailure = (policy: SupervisionPolicy, record: SupervisionRecord | undefined, reason: LastError, now: number): FailureDecision => {
  const before = record ?? NO_SUPERVISION;
  if (policy.restart === "temporary") return { kind: "give-up", record: { ...before, lastReason: reason, nextRestartAt: null } };
  const recentFailures = [...before.recentFailures.filter((at) => at > now - policy.withinMs), now];
  if (recentFailures.length > policy.maxRestarts) {
    return { kind: "escalate", record: { ...before, recentFailures, lastReason: reason, nextRestartAt: null, escalated: true } };
  }
  const at = now + backoffFor(policy, recentFailures.length);
  return { kind: "restart", at, record: { ...before, recentFailures, lastReason: reason, nextRestartAt: at, escalated: false } };
};

/** The record once a restart begins at `now`. */
export const restartBegun = (record: SupervisionRecord, now: number): SupervisionRecord => ({
  ...record,
  restarts: record.restarts + 1,
  lastRestartAt: now,
  nextRestartAt: null,
});

/** What `GET /v1/agents/:id` shows. */
export type SupervisionView = {
  restart: SupervisionPolicy["restart"];
  restarts: number;
  lastReason: (Omit<LastError, "at"> & { at: string }) | null;
  nextRestartAt: string | null;
  lastRestartAt: string | null;
  escalated: boolean;
};

export const supervisionView = (policy: SupervisionPolicy["restart"], record: SupervisionRecord | undefined): SupervisionView => {
  const r = record ?? NO_SUPERVISION;
  const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());
  return {
    restart: policy,
    restarts: r.restarts,
    lastReason: r.lastReason && { ...r.lastReason, at: new Date(r.lastReason.at).toISOString() },
    nextRestartAt: iso(r.nextRestartAt),
    lastRestartAt: iso(r.lastRestartAt),
    escalated: r.escalated,
  };
};

/** A health check's answer: `true`/`undefined` healthy, `false` or `{ healthy: false, reason }` not. */
export type HealthAnswer = void | boolean | { healthy: boolean; reason?: string };

export const healthOf = (answer: HealthAnswer): { healthy: boolean; reason: string } => {
  if (answer === undefined || answer === true) return { healthy: true, reason: "" };
  if (answer === false) return { healthy: false, reason: "onHealthCheck answered unhealthy" };
  return { healthy: answer.healthy, reason: answer.reason ?? (answer.healthy ? "" : "onHealthCheck answered unhealthy") };
};
