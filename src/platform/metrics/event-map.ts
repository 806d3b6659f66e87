// Which metric deltas a telemetry event stands for. The runtime emits named events
// (emitter.ts) without knowing about metrics; this table is the one place that turns
// them into counter increments, histogram observations and gauge values with catalog
// labels. Events not named here record nothing. Durations arrive in milliseconds and
// are recorded in seconds (base units).
import type { Attributes, TelemetryEvent } from "../telemetry/emitter.ts";
import { METRICS, type MetricSpec } from "./catalog.ts";

export type MetricOp = { kind: "inc" | "observe" | "set"; metric: MetricSpec; labels: Record<string, string>; value: number };

const str = (value: Attributes[string] | undefined): string => (value === null || value === undefined ? "" : String(value));
const count = (event: TelemetryEvent, field = "count"): number => event.measurements[field] ?? 1;
const seconds = (event: TelemetryEvent): number => (event.measurements.duration_ms ?? 0) / 1000;

/** An action's failure, from the error's class name (the span's `error` attribute): a short, fixed set. */
export const actionOutcome = (error: string): string =>
  error === "ActionError" ? "failed" : error === "TimeoutError" ? "timeout" : error === "ProblemError" ? "rejected" : "crashed";

type Mapper = (event: TelemetryEvent, a: Attributes) => MetricOp[];

const agentLabels = (a: Attributes, outcome?: string) => ({
  type: str(a.agent_type),
  action: str(a.action),
  ...(outcome === undefined ? {} : { outcome }),
});

const action = (event: TelemetryEvent, a: Attributes, outcome: string): MetricOp[] => [
  { kind: "inc", metric: METRICS.actions, labels: agentLabels(a, outcome), value: 1 },
  { kind: "observe", metric: METRICS.actionDuration, labels: agentLabels(a, outcome), value: seconds(event) },
];

const MAPPERS: Record<string, Mapper> = {
  "agent.action.stop": (e, a) => action(e, a, "ok"),
  "agent.action.exception": (e, a) => action(e, a, actionOutcome(str(a.error))),
  "agent.action.refused": (_e, a) => [{ kind: "inc", metric: METRICS.actions, labels: agentLabels(a, str(a.reason)), value: 1 }],
  "agent.action.retry": (_e, a) => [{ kind: "inc", metric: METRICS.actionRetries, labels: agentLabels(a), value: 1 }],
  "agent.breaker.transition": (_e, a) => [{ kind: "inc", metric: METRICS.breakerTransitions, labels: { type: str(a.agent_type), status: str(a.to) }, value: 1 }],
  "durable.retry": (_e, a) => [{ kind: "inc", metric: METRICS.platformRetries, labels: { operation: str(a.operation) }, value: 1 }],
  "durable.overloaded": (e, a) => [{ kind: "inc", metric: METRICS.platformFaults, labels: { operation: str(a.operation), outcome: "overloaded" }, value: count(e) }],
  "durable.exhausted": (e, a) => [{ kind: "inc", metric: METRICS.platformFaults, labels: { operation: str(a.operation), outcome: "exhausted" }, value: count(e) }],
  "events.appended": (e, a) => [{ kind: "inc", metric: METRICS.eventsPublished, labels: { stream: str(a.stream) }, value: count(e) }],
  "events.delivered": (_e, a) => [{ kind: "inc", metric: METRICS.eventsDelivered, labels: { stream: str(a.stream), subscription: str(a.subscription), outcome: "ok" }, value: 1 }],
  "events.delivery_failed": (_e, a) => [{ kind: "inc", metric: METRICS.eventsDelivered, labels: { stream: str(a.stream), subscription: str(a.subscription), outcome: "failed" }, value: 1 }],
  "events.pushed_live": (e, a) => [{ kind: "inc", metric: METRICS.eventsDelivered, labels: { stream: str(a.stream), subscription: str(a.subscription), outcome: "live" }, value: count(e) }],
  "events.dead_lettered": (e, a) => [{ kind: "inc", metric: METRICS.deadLetters, labels: { stream: str(a.stream), subscription: str(a.subscription) }, value: count(e) }],
  "events.gap": (e, a) => [{ kind: "inc", metric: METRICS.subscriptionSkipped, labels: { stream: str(a.stream), subscription: str(a.subscription) }, value: count(e) }],
  "events.subscription_lag": (e, a) => [{ kind: "set", metric: METRICS.subscriptionLag, labels: { stream: str(a.stream), subscription: str(a.subscription) }, value: e.measurements.lag ?? 0 }],
  "workflow.run.started": (_e, a) => [{ kind: "inc", metric: METRICS.runsStarted, labels: { workflow: str(a.workflow) }, value: 1 }],
  "workflow.run.finished": (_e, a) => [{ kind: "inc", metric: METRICS.runsFinished, labels: { workflow: str(a.workflow), status: str(a.status) }, value: 1 }],
  "workflow.step.finished": (e, a) => [{ kind: "observe", metric: METRICS.stepDuration, labels: { workflow: str(a.workflow), outcome: str(a.outcome) }, value: seconds(e) }],
  "workflow.compensation": (_e, a) => [{ kind: "inc", metric: METRICS.compensations, labels: { workflow: str(a.workflow), outcome: str(a.outcome) }, value: 1 }],
  "security.rate_limited": (e) => [{ kind: "inc", metric: METRICS.rateLimited, labels: {}, value: count(e) }],
  "security.denied": (e) => [{ kind: "inc", metric: METRICS.denials, labels: {}, value: count(e) }],
};

/** The event names that record something (the subscriber ignores the rest cheaply). */
export const MAPPED_EVENTS: ReadonlySet<string> = new Set(Object.keys(MAPPERS));

/** The metric deltas of one event; its tenant goes into every op's labels. */
export const metricOps = (event: TelemetryEvent, tenant: string): MetricOp[] => {
  const mapper = MAPPERS[event.name];
  if (!mapper) return [];
  // Each mapper makes fresh ops and label objects per event, so the tenant is set in place.
  const ops = mapper(event, event.attributes);
  for (const op of ops) op.labels.tenant = tenant;
  return ops;
};
