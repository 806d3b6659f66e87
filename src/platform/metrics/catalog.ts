// The platform's metrics, declared once: name (Prometheus conventions: `jido_` prefix,
// base units, `_total` on counters, `_seconds` on durations), type, help and the label
// names each carries, in order. Everything else (the telemetry mapping, the cardinality
// cap, the exposition) reads this table, so a metric cannot be emitted with labels its
// declaration does not name. Labels are bounded by construction: agent ids, run ids and
// event ids are never labels; the rest is capped per metric (series.ts).
export type MetricKind = "counter" | "gauge" | "histogram";

export type MetricSpec = {
  readonly name: string;
  readonly kind: MetricKind;
  readonly help: string;
  readonly labels: readonly string[];
  /** Histogram upper bounds, ascending (the +Inf bucket is implied). */
  readonly buckets?: readonly number[];
};

/** Seconds: from a fast in-memory action to a slow external call or a long workflow step. */
export const DURATION_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const spec = (name: string, kind: MetricKind, labels: readonly string[], help: string, buckets?: readonly number[]): MetricSpec =>
  Object.freeze({ name, kind, help, labels: Object.freeze([...labels]), ...(buckets ? { buckets } : {}) });

export const METRICS = Object.freeze({
  actions: spec("jido_actions_total", "counter", ["tenant", "type", "action", "outcome"], "Agent actions finished, by outcome (ok, failed, timeout, rejected, crashed, circuit_open)."),
  actionDuration: spec("jido_action_duration_seconds", "histogram", ["tenant", "type", "action", "outcome"], "Time an agent action took, retries included, by outcome.", DURATION_BUCKETS),
  actionRetries: spec("jido_action_retries_total", "counter", ["tenant", "type", "action"], "Attempts of agent actions retried by the type's retry policy."),
  breakerTransitions: spec("jido_circuit_breaker_transitions_total", "counter", ["tenant", "type", "status"], "Circuit breaker transitions, by the state entered (closed, open, half_open)."),
  breakers: spec("jido_circuit_breakers", "gauge", ["tenant", "type", "status"], "Agents whose circuit breaker is in each state (agents active in the last 30 minutes)."),
  bulkheadInFlight: spec("jido_bulkhead_in_flight", "gauge", ["tenant", "type"], "Calls running inside agents' bulkheads."),
  bulkheadQueued: spec("jido_bulkhead_queued", "gauge", ["tenant", "type"], "Calls waiting in agents' bulkhead queues."),
  platformRetries: spec("jido_platform_retries_total", "counter", ["tenant", "operation"], "Transient Durable Object faults the platform retried, by operation."),
  platformFaults: spec("jido_platform_faults_total", "counter", ["tenant", "operation", "outcome"], "Durable Object calls given up (outcome exhausted) or refused as overloaded (outcome overloaded)."),
  eventsPublished: spec("jido_events_published_total", "counter", ["tenant", "stream"], "Events appended to streams (duplicates of an id already stored excluded)."),
  eventsDelivered: spec("jido_events_delivered_total", "counter", ["tenant", "stream", "subscription", "outcome"], "Delivery attempts to subscriptions, by outcome (ok, failed; live for pushes to attached tails)."),
  deadLetters: spec("jido_dead_letters_total", "counter", ["tenant", "stream", "subscription"], "Events sent to a subscription's dead-letter stream after its last attempt."),
  subscriptionLag: spec("jido_subscription_lag_events", "gauge", ["tenant", "stream", "subscription"], "Events a subscription is behind the end of its stream, as of its last delivery pass."),
  subscriptionSkipped: spec("jido_subscription_skipped_events_total", "counter", ["tenant", "stream", "subscription"], "Events retention deleted before a subscription received them."),
  runsStarted: spec("jido_runs_started_total", "counter", ["tenant", "workflow"], "Workflow runs started."),
  runsFinished: spec("jido_runs_finished_total", "counter", ["tenant", "workflow", "status"], "Workflow runs ended, by final status."),
  stepDuration: spec("jido_step_duration_seconds", "histogram", ["tenant", "workflow", "outcome"], "Time a workflow step took from its start to its outcome (completed, failed, timed_out).", DURATION_BUCKETS),
  compensations: spec("jido_compensations_total", "counter", ["tenant", "workflow", "outcome"], "Saga compensations run, by outcome (completed, failed)."),
  rateLimited: spec("jido_rate_limit_refusals_total", "counter", ["tenant"], "Requests refused by the per-token rate limit."),
  denials: spec("jido_authorization_denials_total", "counter", ["tenant"], "Operations refused for a missing capability or a constraint (each is audited)."),
} satisfies Record<string, MetricSpec>);

export type MetricKey = keyof typeof METRICS;
export const CATALOG: readonly MetricSpec[] = Object.freeze(Object.values(METRICS));
export const specOf = (name: string): MetricSpec | undefined => BY_NAME.get(name);
const BY_NAME = new Map(CATALOG.map((m) => [m.name, m]));

/**
 * What an agent type's `observability.metrics` may list (the seed's names and ours), and
 * the metrics each one records. An empty list records them all.
 */
export const AGENT_METRICS = Object.freeze({
  throughput: [METRICS.actions.name],
  error_rate: [METRICS.actions.name],
  latency: [METRICS.actionDuration.name],
  retries: [METRICS.actionRetries.name],
  breaker: [METRICS.breakerTransitions.name, METRICS.breakers.name],
  bulkhead: [METRICS.bulkheadInFlight.name, METRICS.bulkheadQueued.name],
} satisfies Record<string, readonly string[]>);

export type AgentMetricName = keyof typeof AGENT_METRICS;
export const AGENT_METRIC_NAMES = Object.keys(AGENT_METRICS) as [AgentMetricName, ...AgentMetricName[]];
const AGENT_METRIC_SET = new Set(Object.values(AGENT_METRICS).flat());

/** Whether a type that chose `selection` records `metric` (metrics outside the agent set always are). */
export const agentRecords = (selection: readonly string[] | undefined, metric: string): boolean => {
  if (!selection || selection.length === 0 || !AGENT_METRIC_SET.has(metric)) return true;
  return selection.some((name) => (AGENT_METRICS as Record<string, readonly string[]>)[name]?.includes(metric) ?? false);
};
