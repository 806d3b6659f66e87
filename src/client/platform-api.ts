// The rest of the HTTP API for callers that name agents and actions at run time (the
// `jido` CLI, scripts): agents by id, events and streams (with the live tail as an async
// iterable over Server-Sent Events), subscriptions, workflows and runs. Typed by the
// platform's own view types; inputs the server validates stay `unknown` here, because a
// caller without the agent's definition cannot know them at compile time.
import type { AgentSummary, AgentView } from "../platform/agent/agent-meta.ts";
import type { Checkpoint } from "../platform/agent/checkpoint.ts";
import type { EntryView } from "../platform/discovery/entry.ts";
import type { Labels } from "../platform/discovery/labels.ts";
import type { PlacementInput } from "../platform/discovery/placement.ts";
import type { CloudEvent, EventInput } from "../platform/events/cloud-event.ts";
import type { SubscriptionRequest } from "../platform/events/subscription.ts";
import type { WorkflowDefinition, WorkflowDefinitionInput } from "../platform/workflow/definition.ts";
import { isFinal, type RunStatus } from "../platform/workflow/run-state.ts";
import type { RunSummary, RunView } from "../platform/workflow/run-view.ts";
import type { SubscriptionView } from "../../objects/events/index.ts";
import { parseSse } from "./sse.ts";

export type Page<T> = { items: T[]; next: string | null };
export type PageQuery = { limit?: number; cursor?: string };
export type Send = <T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<T>;
/** A raw request (for the live tail): the base URL and token applied, the response as it came. */
export type Open = (path: string, init: { headers?: Record<string, string>; signal?: AbortSignal }) => Promise<Response>;

export type AgentListQuery = PageQuery & { type?: string; status?: AgentView["status"]; capability?: string; labels?: Labels };
export type SpawnRequest = { type: string; id?: string; state?: unknown; labels?: Labels; placement?: PlacementInput };
export type Appended = { id: string; stream: string; sequence: number; duplicate: boolean };
export type StreamPage = { items: CloudEvent[]; next: number | null };
export type StreamInfo = {
  stream: string;
  length: number;
  first: number | null;
  last: number;
  subscriptions: string[];
  retention: { maxAgeMs: number | null; maxCount: number | null };
};
export type Subscription = SubscriptionView;
export type WorkflowDescription = { name: string; latest: WorkflowDefinition; versions: string[] };
export type RunListQuery = PageQuery & { workflow?: string; status?: RunStatus };
export type RunStart = { version?: string; idempotencyKey?: string };
export type Signal = { type: string; role?: string; data?: unknown };
export type SignalOutcome = { status: "delivered" | "buffered"; await: string; run: RunView };
export type { AgentSummary, AgentView, CloudEvent, EntryView, RunStatus, RunSummary, RunView };

const queryOf = (params: Record<string, string | number | undefined>): string => {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) query.set(name, String(value));
  return query.size ? `?${query}` : "";
};
const seg = encodeURIComponent;
const keyHeader = (key: string | undefined): Record<string, string> => (key ? { "idempotency-key": key } : {});

export const platformApi = (send: Send, open: Open) => {
  const agentPath = (id: string) => `/v1/agents/${seg(id)}`;
  return {
    agents: {
      list: (query: AgentListQuery = {}): Promise<Page<EntryView>> => {
        const labels = Object.fromEntries(Object.entries(query.labels ?? {}).map(([name, value]) => [`label.${name}`, value]));
        const { labels: _labels, ...rest } = query;
        return send("GET", `/v1/agents${queryOf({ ...rest, ...labels })}`);
      },
      spawn: (request: SpawnRequest, options: { idempotencyKey?: string } = {}): Promise<AgentView | AgentSummary> =>
        send("POST", "/v1/agents", request, keyHeader(options.idempotencyKey)),
      get: (id: string): Promise<AgentView> => send("GET", agentPath(id)),
      call: (id: string, action: string, input: unknown, options: { idempotencyKey?: string } = {}): Promise<unknown> =>
        send("POST", `${agentPath(id)}/actions/${seg(action)}`, input, keyHeader(options.idempotencyKey)),
      lifecycle: (id: string, verb: "pause" | "resume" | "stop" | "start"): Promise<AgentView> => send("POST", `${agentPath(id)}/${verb}`),
      delete: (id: string): Promise<void> => send("DELETE", agentPath(id)),
      checkpoint: (id: string): Promise<Checkpoint> => send("POST", `${agentPath(id)}/checkpoint`),
      restore: (id: string, checkpoint: Checkpoint): Promise<AgentView | AgentSummary> => send("POST", `${agentPath(id)}/restore`, checkpoint),
    },
    events: {
      publish: (events: EventInput | EventInput[]): Promise<{ items: Appended[] }> => send("POST", "/v1/events", events),
      read: (stream: string, query: { from?: number; to?: number; limit?: number } = {}): Promise<StreamPage> =>
        send("GET", `/v1/streams/${seg(stream)}/events${queryOf(query)}`),
      info: (stream: string): Promise<StreamInfo> => send("GET", `/v1/streams/${seg(stream)}`),
      /**
       * The stream's live tail from `from` (its next event when omitted), as Server-Sent
       * Events; when the platform ends the connection it is opened again after the last
       * event seen. Ends when `signal` aborts.
       */
      tail: async function* (stream: string, options: { from?: number; signal?: AbortSignal } = {}): AsyncGenerator<CloudEvent> {
        let from = options.from;
        while (!options.signal?.aborted) {
          const response = await open(`/v1/streams/${seg(stream)}/tail${queryOf({ from })}`, {
            headers: { accept: "text/event-stream" },
            ...(options.signal ? { signal: options.signal } : {}),
          });
          if (!response.body) return;
          try {
            for await (const frame of parseSse(response.body)) {
              if (frame.data === undefined) continue;
              const event = JSON.parse(frame.data) as CloudEvent;
              from = event.sequence + 1;
              yield event;
            }
          } catch (error) {
            if (options.signal?.aborted) return;
            throw error;
          }
          // The platform ended the stream (a failed read asks for a reconnect): wait a moment, as it asks.
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      },
      replay: (stream: string, request: { subscription: string; from: number; to?: number }): Promise<{ id: string; from: number; to: number }> =>
        send("POST", `/v1/streams/${seg(stream)}/replay`, request),
    },
    subscriptions: {
      list: (query: PageQuery = {}): Promise<Page<Subscription>> => send("GET", `/v1/subscriptions${queryOf(query)}`),
      get: (id: string): Promise<Subscription> => send("GET", `/v1/subscriptions/${seg(id)}`),
      create: (request: SubscriptionRequest, options: { idempotencyKey?: string } = {}): Promise<Subscription> =>
        send("POST", "/v1/subscriptions", request, keyHeader(options.idempotencyKey)),
      delete: (id: string): Promise<void> => send("DELETE", `/v1/subscriptions/${seg(id)}`),
      pause: (id: string): Promise<Subscription> => send("POST", `/v1/subscriptions/${seg(id)}/pause`),
      resume: (id: string): Promise<Subscription> => send("POST", `/v1/subscriptions/${seg(id)}/resume`),
    },
    workflows: {
      list: (query: PageQuery = {}): Promise<Page<WorkflowDefinition>> => send("GET", `/v1/workflows${queryOf(query)}`),
      get: (name: string): Promise<WorkflowDescription> => send("GET", `/v1/workflows/${seg(name)}`),
      register: (definition: WorkflowDefinitionInput): Promise<WorkflowDefinition> => send("POST", "/v1/workflows", definition),
      start: (name: string, input: Record<string, unknown>, options: RunStart = {}): Promise<RunView> =>
        send("POST", `/v1/workflows/${seg(name)}/runs${queryOf({ version: options.version })}`, input, keyHeader(options.idempotencyKey)),
    },
    runs: {
      list: (query: RunListQuery = {}): Promise<Page<RunSummary>> => send("GET", `/v1/runs${queryOf(query)}`),
      get: (id: string): Promise<RunView> => send("GET", `/v1/runs/${seg(id)}`),
      cancel: (id: string): Promise<RunView> => send("POST", `/v1/runs/${seg(id)}/cancel`),
      signal: (id: string, signal: Signal): Promise<SignalOutcome> => send("POST", `/v1/runs/${seg(id)}/events`, signal),
      /**
       * The run's transitions (CloudEvents `workflow.*`) from its first, as they happen;
       * ends after its final one. A dropped connection is opened again after the last
       * transition seen (Last-Event-ID). `after`: start after this transition (an event's
       * `sequence`, as a caller resuming a watch it lost). Ends early when `signal` aborts.
       */
      watch: async function* (id: string, options: { signal?: AbortSignal; after?: number } = {}): AsyncGenerator<CloudEvent> {
        let lastEventId: string | undefined = options.after === undefined ? undefined : String(options.after);
        while (!options.signal?.aborted) {
          const response = await open(`/v1/runs/${seg(id)}/live`, {
            headers: { accept: "text/event-stream", ...(lastEventId === undefined ? {} : { "last-event-id": lastEventId }) },
            ...(options.signal ? { signal: options.signal } : {}),
          });
          if (!response.body) return;
          try {
            for await (const frame of parseSse(response.body)) {
              if (frame.data === undefined) continue;
              if (frame.id !== undefined) lastEventId = frame.id;
              yield JSON.parse(frame.data) as CloudEvent;
            }
          } catch (error) {
            if (options.signal?.aborted) return;
            throw error;
          }
          // The platform ends the stream after the run's final transition, or asks for a reconnect.
          if (isFinal((await send<RunView>("GET", `/v1/runs/${seg(id)}`)).status as RunStatus)) return;
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      },
    },
  };
};

export type PlatformApi = ReturnType<typeof platformApi>;
