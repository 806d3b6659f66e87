// One system under test in the event benchmark (the platform's event bus, or the bare
// append-only object): how it publishes, reads and measures a stream, and what it has
// acknowledged so far (ledgers.ts checks that against what it stored).
import type { Client, Reply } from "../lib/http.ts";
import type { BenchServer } from "../lib/servers.ts";
import { type SideName, sideClient } from "../lib/sides.ts";

/** A reply body as JSON, or undefined when it is not JSON. */
export const parse = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** Client-visible failures by kind: "5xx", "4xx", "network" (status 0), "malformed ack". */
export type ErrorCounts = Record<string, number>;
export const countError = (counts: ErrorCounts, reply: Reply | undefined): void => {
  const kind = reply === undefined ? "malformed ack" : reply.status === 0 ? "network" : reply.status >= 500 ? "5xx" : reply.status >= 400 ? "4xx" : "other";
  counts[kind] = (counts[kind] ?? 0) + 1;
};
export const errorText = (counts: ErrorCounts): string =>
  Object.entries(counts)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(", ") || "0";

export type BenchEvent = { id: string; source: string; type: string; data: { by: number } };

/** One system under test: how it publishes, reads and measures a stream. */
/** What one side acknowledged on one stream, to check the stored log against. */
export type Ledger = { acked: number; sequences: Set<number>; duplicates: number; reusedSequences: number };

export type Side = {
  name: SideName;
  server: BenchServer;
  client: Client;
  /** A single event is sent as an object, several as an array. */
  publish(stream: string, events: readonly BenchEvent[]): Promise<Reply>;
  readPage(stream: string, from: number, limit: number): Promise<Reply>;
  readNdjson(stream: string, from: number): Promise<Reply>;
  info(stream: string): Promise<Reply>;
  ledgers: Map<string, Ledger>;
  errors: ErrorCounts;
  nextId: number;
};

export const makeSide = async (name: SideName, server: BenchServer): Promise<Side> => {
  const client = await sideClient(name, server, 64);
  const ndjson = { accept: "application/x-ndjson" };
  const s = (stream: string) => encodeURIComponent(stream);
  return {
    name,
    server,
    client,
    publish: (stream, events) => {
      if (name === "platform") {
        const withStream = events.map((event) => ({ ...event, stream }));
        return client.post("/v1/events", withStream.length === 1 ? withStream[0] : withStream);
      }
      return client.post(`/streams/${s(stream)}/events`, events.length === 1 ? events[0] : events);
    },
    readPage: (stream, from, limit) => client.get(`${name === "platform" ? "/v1" : ""}/streams/${s(stream)}/events?from=${from}&limit=${limit}`),
    readNdjson: (stream, from) => client.get(`${name === "platform" ? "/v1" : ""}/streams/${s(stream)}/events?from=${from}`, ndjson),
    info: (stream) => client.get(`${name === "platform" ? "/v1" : ""}/streams/${s(stream)}`),
    ledgers: new Map(),
    errors: {},
    nextId: 0,
  };
};

export const newEvents = (side: Side, runId: string, count: number): BenchEvent[] =>
  Array.from({ length: count }, () => ({ id: `${runId}-${side.nextId++}`, source: "bench", type: "bench.tick", data: { by: 1 } }));
