// The telemetry hook points every layer emits into, shaped after Erlang's :telemetry:
// a named event with numeric measurements and attributes. Exporters (Prometheus,
// OTLP) subscribe later; the runtime only emits. A failing handler is dropped from
// that one event and never breaks the operation being measured.
export type Attributes = Record<string, string | number | boolean | null>;

export type TelemetryEvent = {
  name: string;
  time: number;
  measurements: Record<string, number>;
  attributes: Attributes;
};

export type TelemetryHandler = (event: TelemetryEvent) => void;

export type Telemetry = {
  emit(name: string, measurements?: Record<string, number>, attributes?: Attributes): void;
  subscribe(handler: TelemetryHandler): () => void;
  /** Emits `<name>.start`, then `<name>.stop` or `<name>.exception`, with `duration_ms`. */
  span<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T>;
};

export const errorKind = (error: unknown): string =>
  error instanceof Error ? error.name : typeof error;

/** A span's event names, made once per span name: subscribers look event names up per event. */
const spanNames = new Map<string, { start: string; stop: string; exception: string }>();
const namesOf = (name: string) => {
  let names = spanNames.get(name);
  if (names) return names;
  names = { start: `${name}.start`, stop: `${name}.stop`, exception: `${name}.exception` };
  // Span names are a fixed set in the code; the cap only guards against one built from data.
  if (spanNames.size < 256) spanNames.set(name, names);
  return names;
};

export const createTelemetry = (now: () => number = Date.now): Telemetry => {
  const handlers = new Set<TelemetryHandler>();
  const emit: Telemetry["emit"] = (name, measurements = {}, attributes = {}) => {
    if (handlers.size === 0) return;
    const event = { name, time: now(), measurements, attributes };
    for (const handler of handlers) {
      try {
        handler(event);
      } catch {
        // Telemetry is an observer: its failure must not change the observed outcome.
      }
    }
  };
  return {
    emit,
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    async span(name, attributes, fn) {
      const names = namesOf(name);
      const started = now();
      emit(names.start, { system_time: started }, attributes);
      try {
        const value = await fn();
        emit(names.stop, { duration_ms: now() - started }, attributes);
        return value;
      } catch (error) {
        emit(names.exception, { duration_ms: now() - started }, { ...attributes, error: errorKind(error) });
        throw error;
      }
    },
  };
};
