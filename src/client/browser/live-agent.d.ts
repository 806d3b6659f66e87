// Types of live-agent.js (a plain ES module, so browsers import it without a build step).
export type Snapshot = { state: unknown; version: number };
export type JsonPatchOperation = { op: string; path: string; value?: unknown; from?: string };
export type LiveAgentOptions = {
  /** ws(s)://host/v1/agents/<id>/live */
  url: string;
  /** A fresh single-use ticket (POST /v1/tickets) for each (re)connect. */
  ticket: () => Promise<string>;
  WebSocket?: typeof WebSocket;
  reconnectMs?: number;
};
export declare const applyPatch: (doc: unknown, patch: readonly JsonPatchOperation[]) => unknown;
export declare class LiveAgent {
  state: unknown;
  version: number | null;
  onerror: ((reason: unknown) => void) | null;
  onclose: ((code: number) => void) | null;
  readonly closed: boolean;
  constructor(options: LiveAgentOptions);
  subscribe(fn: (snapshot: Snapshot) => void): () => boolean;
  connect(): Promise<void>;
  call(action: string, input: unknown, options?: { idempotencyKey?: string }): Promise<unknown>;
  close(): void;
}
