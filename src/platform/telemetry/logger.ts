// Structured JSON logs with a level threshold. Each line is one JSON object, so the
// Workers log pipeline (and `wrangler tail`) can filter on fields instead of text.
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

const consoleSink: LogSink = (line, level) => {
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
};

export const createLogger = (
  options: { level?: LogLevel; base?: LogFields; sink?: LogSink; now?: () => number } = {},
): Logger => {
  const threshold = LOG_LEVELS.indexOf(options.level ?? "info");
  const sink = options.sink ?? consoleSink;
  const now = options.now ?? Date.now;
  const base = options.base ?? {};
  const write = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    sink(JSON.stringify({ time: new Date(now()).toISOString(), level, msg, ...ambientFields(), ...base, ...fields }), level);
  };
  return {
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    child: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
  };
};
