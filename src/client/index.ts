// The typed client: the platform's HTTP API as TypeScript functions. Given an agent's
// definition, `agent(def, id).call(action, input)` checks the action name and input
// type at compile time and types the result. Works anywhere `fetch` does.
import type { AgentSummary, AgentView } from "../platform/agent/agent-meta.ts";
import type { Checkpoint } from "../platform/agent/checkpoint.ts";
import type { ActionInput, ActionName, ActionOutput, AnyAgentDefinition, StateOf } from "../platform/agent/define-agent.ts";
import type { Problem } from "../platform/problem.ts";
import type { AgentTypeDescription } from "../platform/agent/registry.ts";
import { LiveAgent } from "./browser/live-agent.js";
import { type Page, platformApi } from "./platform-api.ts";

export type ClientOptions = {
  baseUrl: string;
  token?: string;
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
};

/** A failed request, carrying the problem the platform answered with. */
export class JidoApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(`${problem.status} ${problem.title}${problem.detail ? `: ${problem.detail}` : ""}`);
    this.name = "JidoApiError";
    this.status = problem.status;
    this.problem = problem;
  }
}

export type * from "./platform-api.ts";
/** Spawn and restore answer the whole agent only to a token with agents:read:<type>; else `{id, status}`. */
export type { AgentSummary };
type CallOptions = { idempotencyKey?: string };

/** `WebSocket`: the constructor to use where there is no global one (Node 20: `ws` or undici's). */
export type WatchOptions = { WebSocket?: typeof WebSocket; reconnectMs?: number };

export type AgentHandle<D extends AnyAgentDefinition> = {
  readonly id: string;
  call<K extends ActionName<D>>(action: K, input: ActionInput<D, K>, options?: CallOptions): Promise<ActionOutput<D, K>>;
  get(): Promise<AgentView & { state: StateOf<D> }>;
  pause(): Promise<AgentView>;
  resume(): Promise<AgentView>;
  stop(): Promise<AgentView>;
  /** Starts a stopped (or failed) agent again: onStart on its kept state. */
  start(): Promise<AgentView>;
  destroy(): Promise<void>;
  checkpoint(): Promise<Checkpoint>;
  /**
   * The agent's state, live: an async iterator of `{state, version}`, first the current
   * state, then each change (a slow reader gets the newest, skipping those in between).
   * Opens the live socket with a ticket (POST /v1/tickets), and reconnects with the last
   * version after a drop. Ends when the loop breaks or the agent is deleted.
   */
  watch(options?: WatchOptions): AsyncIterableIterator<{ state: StateOf<D>; version: number }>;
};

/** A LiveAgent as an async iterator of its newest snapshot. */
const iterate = <T>(live: LiveAgent): AsyncIterableIterator<T> => {
  let latest: T | null = null;
  let wake: (() => void) | null = null;
  let failure: unknown = null;
  live.subscribe((snapshot) => {
    latest = snapshot as T;
    wake?.();
  });
  live.onclose = () => wake?.();
  const started = live.connect().catch((error: unknown) => {
    failure = error;
    wake?.();
  });
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      await started;
      while (latest === null && failure === null && !live.closed) await new Promise<void>((resolve) => (wake = resolve));
      if (failure !== null) {
        live.close();
        throw failure;
      }
      if (latest === null) return { done: true, value: undefined };
      const value: T = latest;
      latest = null;
      return { done: false, value };
    },
    async return() {
      live.close();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
};

/** The problem a failed response carries; a body that is not one (a proxy's page) becomes one naming the status. */
const problemOf = (response: Response, text: string): Problem => {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && "title" in parsed && typeof parsed.title === "string") {
      return { ...(parsed as Problem), status: response.status };
    }
  } catch {
    // Not JSON: described below.
  }
  return { type: "about:blank", title: response.statusText || `HTTP ${response.status}`, status: response.status, ...(text ? { detail: text.slice(0, 500) } : {}) };
};

export const createClient = (options: ClientOptions) => {
  const base = options.baseUrl.replace(/\/+$/, "");
  const doFetch = options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));

  const send = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> => {
    const all: Record<string, string> = { accept: "application/json", ...headers };
    if (options.token) all.authorization = `Bearer ${options.token}`;
    if (body !== undefined) all["content-type"] = "application/json";
    const response = await doFetch(`${base}${path}`, { method, headers: all, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    if (!response.ok) throw new JidoApiError(problemOf(response, text));
    return (text ? JSON.parse(text) : null) as T;
  };
  const open = async (path: string, init: { headers?: Record<string, string>; signal?: AbortSignal }): Promise<Response> => {
    const headers: Record<string, string> = { ...init.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const response = await doFetch(`${base}${path}`, { method: "GET", headers, ...(init.signal ? { signal: init.signal } : {}) });
    if (!response.ok) throw new JidoApiError(problemOf(response, await response.text()));
    return response;
  };
  const agentPath = (id: string) => `/v1/agents/${encodeURIComponent(id)}`;
  const keyHeader = (key: string | undefined): Record<string, string> => (key ? { "idempotency-key": key } : {});

  return {
    ...platformApi(send, open),
    spawn: <D extends AnyAgentDefinition>(
      definition: D,
      spawnOptions: { id?: string; state?: StateOf<D>; idempotencyKey?: string } = {},
    ): Promise<(AgentView & { state: StateOf<D> }) | AgentSummary> =>
      send("POST", "/v1/agents", { type: definition.name, id: spawnOptions.id, state: spawnOptions.state }, keyHeader(spawnOptions.idempotencyKey)),

    agent: <D extends AnyAgentDefinition>(_definition: D, id: string): AgentHandle<D> => ({
      id,
      call: (action, input, callOptions = {}) =>
        send("POST", `${agentPath(id)}/actions/${encodeURIComponent(action)}`, input, keyHeader(callOptions.idempotencyKey)),
      get: () => send("GET", agentPath(id)),
      pause: () => send("POST", `${agentPath(id)}/pause`),
      resume: () => send("POST", `${agentPath(id)}/resume`),
      stop: () => send("POST", `${agentPath(id)}/stop`),
      start: () => send("POST", `${agentPath(id)}/start`),
      destroy: () => send("DELETE", agentPath(id)),
      checkpoint: () => send("POST", `${agentPath(id)}/checkpoint`),
      watch: (watchOptions = {}) =>
        iterate(
          new LiveAgent({
            url: `${base.replace(/^http/, "ws")}${agentPath(id)}/live`,
            ticket: async () => (await send<{ ticket: string }>("POST", "/v1/tickets", { agent: id, scope: "read" })).ticket,
            ...(watchOptions.WebSocket ? { WebSocket: watchOptions.WebSocket } : {}),
            ...(watchOptions.reconnectMs === undefined ? {} : { reconnectMs: watchOptions.reconnectMs }),
          }),
        ),
    }),

    restore: (id: string, checkpoint: Checkpoint): Promise<AgentView | AgentSummary> => send("POST", `${agentPath(id)}/restore`, checkpoint),

    agentTypes: (page: { limit?: number; cursor?: string } = {}): Promise<Page<AgentTypeDescription>> => {
      const query = new URLSearchParams();
      if (page.limit !== undefined) query.set("limit", String(page.limit));
      if (page.cursor !== undefined) query.set("cursor", page.cursor);
      return send("GET", `/v1/agent-types${query.size ? `?${query}` : ""}`);
    },
  };
};

export type JidoClient = ReturnType<typeof createClient>;
