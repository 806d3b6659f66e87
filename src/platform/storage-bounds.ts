// Why: nothing the platform stores may grow without bound. The bounds that are a matter
// of policy (how long a finished run or a platform stream's events are kept, how many
// finished runs a tenant's index lists, how many streams a tenant may create) are
// deployment variables (wrangler.toml [vars], README "Storage bounds"). Objects read
// them per call through `storageBounds(env)`, so a change takes effect without a
// restart. A value that is missing or not a number gives the default; one below its
// floor gives the floor (platform streams keep at least a day, whatever is set).
const DAY_MS = 86_400_000;

/** The variables, as the Worker's environment holds them (all optional strings). */
export type BoundsVars = {
  JIDO_RUN_RETENTION_DAYS?: string | undefined;
  JIDO_RUNS_INDEX_MAX?: string | undefined;
  JIDO_AUDIT_RETENTION_DAYS?: string | undefined;
  JIDO_WORKFLOW_RETENTION_DAYS?: string | undefined;
  JIDO_DLQ_RETENTION_DAYS?: string | undefined;
  JIDO_MAX_STREAMS_PER_TENANT?: string | undefined;
};

type Spec = { default: number; floor: number; integer: boolean };

/** Defaults and floors; wrangler.toml sets the same defaults, so an unset variable changes nothing. */
export const BOUND_SPECS = {
  /** Days a finished run (its storage and its runs-index entry) is kept after it ended; fractions allowed. */
  JIDO_RUN_RETENTION_DAYS: { default: 7, floor: 0, integer: false },
  /** Finished runs a tenant's runs index keeps at most (the oldest finished go first). */
  JIDO_RUNS_INDEX_MAX: { default: 100_000, floor: 1, integer: true },
  JIDO_AUDIT_RETENTION_DAYS: { default: 90, floor: 1, integer: false },
  JIDO_WORKFLOW_RETENTION_DAYS: { default: 30, floor: 1, integer: false },
  JIDO_DLQ_RETENTION_DAYS: { default: 30, floor: 1, integer: false },
  /** Streams a tenant may create, besides the platform's (`audit`, `workflow`, `dlq.*`). */
  JIDO_MAX_STREAMS_PER_TENANT: { default: 10_000, floor: 1, integer: true },
} as const satisfies Record<keyof BoundsVars, Spec>;

/** A variable's value: its default when missing or not a finite number, at least its floor. */
export const boundOf = (vars: BoundsVars, name: keyof BoundsVars): number => {
  const spec: Spec = BOUND_SPECS[name];
  const text = vars[name]?.trim() ?? "";
  const parsed = text === "" ? Number.NaN : Number(text);
  const value = Number.isFinite(parsed) ? parsed : spec.default;
  const whole = spec.integer ? Math.floor(value) : value;
  return Math.max(spec.floor, whole);
};

export type StorageBounds = {
  runRetentionMs: number;
  runsIndexMax: number;
  maxStreamsPerTenant: number;
  auditRetentionMs: number;
  workflowRetentionMs: number;
  dlqRetentionMs: number;
};

export const storageBounds = (vars: BoundsVars): StorageBounds => ({
  runRetentionMs: Math.round(boundOf(vars, "JIDO_RUN_RETENTION_DAYS") * DAY_MS),
  runsIndexMax: boundOf(vars, "JIDO_RUNS_INDEX_MAX"),
  maxStreamsPerTenant: boundOf(vars, "JIDO_MAX_STREAMS_PER_TENANT"),
  auditRetentionMs: Math.round(boundOf(vars, "JIDO_AUDIT_RETENTION_DAYS") * DAY_MS),
  workflowRetentionMs: Math.round(boundOf(vars, "JIDO_WORKFLOW_RETENTION_DAYS") * DAY_MS),
  dlqRetentionMs: Math.round(boundOf(vars, "JIDO_DLQ_RETENTION_DAYS") * DAY_MS),
});
