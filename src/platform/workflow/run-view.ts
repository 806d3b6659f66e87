// The public shape of a run (`GET /v1/runs/:id`): status, the context, every step with
// attempts, timings and errors, which agent served it and why (its binding and score),
// the roles' bindings with their spares, any rebinding, and the stream its transitions go to.
import type { RunState, StepRecord } from "./run-state.ts";
import { isoTime, isoTimeOrNull as iso } from "../time.ts";
import { workflowShardStream } from "../events/reserved-streams.ts";


export type RunSummary = { id: string; workflow: string; version: string; status: string; createdAt: string; updatedAt: string };

export const runSummary = (state: RunState): RunSummary => ({
  id: state.id,
  workflow: state.workflow,
  version: state.version,
  status: state.status,
  createdAt: isoTime(state.createdAt),
  updatedAt: isoTime(state.updatedAt),
});

const stepView = (record: StepRecord) => ({
  name: record.name,
  kind: record.kind,
  status: record.status,
  attempts: record.attempts,
  agent: record.agent,
  selection: record.selection ?? null,
  startedAt: iso(record.startedAt),
  finishedAt: iso(record.finishedAt),
  durationMs: record.startedAt !== null && record.finishedAt !== null ? record.finishedAt - record.startedAt : null,
  deadline: iso(record.deadline),
  retryAt: iso(record.retryAt),
  output: record.output,
  error: record.error,
  compensation: record.compensation,
});

export const runView = (state: RunState, stepOrder: readonly string[]) => ({
  ...runSummary(state),
  input: state.input,
  context: {
    input: state.input,
    steps: Object.fromEntries(Object.values(state.steps).filter((s) => s.status === "completed").map((s) => [s.name, { output: s.output }])),
  },
  bindings: state.bindings,
  roles: state.roles ?? {},
  rebinds: (state.rebinds ?? []).map((r) => ({ ...r, at: isoTime(r.at) })),
  steps: stepOrder.map((name) => state.steps[name]).filter((s): s is StepRecord => s !== undefined).map(stepView),
  failure: state.failure,
  onTimeout: state.onTimeout,
  deadline: iso(state.deadline),
  /** The stream its transitions go to (null: a run stored before this was kept; see run-shards.ts). */
  stream: state.shard === undefined ? null : workflowShardStream(state.shard),
});

export type RunView = ReturnType<typeof runView>;
