// What every object family shares: stubs of other objects typed by their classes, and
// the work that must outlive the call that caused it: the transactional outbox and its
// drain, appends to a stream, the audit sink, and the alarm that backs deferred work.
// Families import it only through this file.
export { type AlarmArming, armEarliest, createAlarmArming } from "./alarm.ts";
export { appendToStream, type StreamAppend } from "./append.ts";
export { type AuditSink, auditSink } from "./audit-sink.ts";
export { createSqlOutbox, drainOutbox, type DrainTarget, type Outbox, type OutboxEvent, type SqlOutbox } from "./outbox.ts";
export { type TypedStub, typedStub } from "./typed-stub.ts";
export { type Tracing, tracingFor, traceObject, type TraceObjectOptions } from "./tracing.ts";
