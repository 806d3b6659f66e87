// Structured JSON logs with a level threshold. Each line is one JSON object in the shape
// Workers Logs and Logpush index: `time`, `level`, `message`, `component`, `tenant`,
// `requestId`, `traceId`, `spanId` always present (null when not known; traceId and
// spanId come from the active span, set by tracing through setAmbientLogFields), then `agent` or `run`
// where they apply, then the call's own fields. Secrets never reach a line: fields named
// like credentials, and any string that looks like a JWT, are replaced by "[redacted]".
export type LogLevel = "debug" | "info" | "warn" | "error";
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

export type LogFields = Record<string, unknown>;
export type Logger = {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
};

export type LogSink = (line: string, level: LogLevel) => void;

/** Fields every line takes from where it is written: tracing sets the active span's `traceId`/`spanId` (objects/durable/tracing.ts). */
let ambientFields: () => LogFields = () => ({});
export const setAmbientLogFields = (fields: () => LogFields): void => {
  ambientFields = fields;
};

export type LoggerOptions = {
  /** The threshold, or a function read per line (an agent's type decides it once loaded). */
  level?: LogLevel | (() => LogLevel | undefined);
  base?: LogFields;
  /** Fields read per line: the request's id and tenant, an object's agent or run. */
  context?: () => LogFields | undefined;
  sink?: LogSink;
  now?: () => number;
};

const consoleSink: LogSink = (line, level) => {
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
};

const REDACTED = "[redacted]";
const SECRET_FIELD = /authorization|token|secret|password|signature|api[_-]?key|cookie/i;
// Three base64url segments, the first a JSON header: a JWT, however it came to be logged.
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+/g;

export const redact = (key: string, value: unknown): unknown => {
  if (SECRET_FIELD.test(key) && value !== null && value !== undefined) return REDACTED;
  return typeof value === "string" ? value.replace(JWT, REDACTED) : value;
};

const FIXED = ["component", "tenant", "requestId", "traceId", "spanId"] as const;

export const createLogger = (options: LoggerOptions = {}): Logger => {
  const sink = options.sink ?? consoleSink;
  const now = options.now ?? Date.now;
  const base = options.base ?? {};
  const threshold = (): number => LOG_LEVELS.indexOf((typeof options.level === "function" ? options.level() : options.level) ?? "info");
  const write = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (LOG_LEVELS.indexOf(level) < threshold()) return;
    const { message: fieldMessage, ...all } = { ...ambientFields(), ...base, ...options.context?.(), ...fields };
    const line: LogFields = { time: new Date(now()).toISOString(), level, message: redact("message", msg) };
    for (const key of FIXED) line[key] = all[key] ?? null;
    for (const [key, value] of Object.entries(all)) if (!(key in line)) line[key] = redact(key, value);
    // A field named `message` would hide the line's own: it is kept as `detail`.
    if (fieldMessage !== undefined) line.detail = redact("detail", fieldMessage);
    sink(JSON.stringify(line), level);
  };
  return {
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    child: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
  };
};
