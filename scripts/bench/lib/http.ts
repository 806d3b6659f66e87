// HTTP for the bench: node:http with a keep-alive agent per client (no fetch overhead,
// a bounded socket pool), a timeout on every request, and network errors answered as
// status 0 instead of thrown, so load loops count them.
import http from "node:http";

export type Reply = {
  /** HTTP status, or 0 for a network error / timeout (then `body` is the error message). */
  status: number;
  body: string;
  /** Wall time from sending to the end of the response body. */
  ms: number;
};

export type Client = {
  readonly name: string;
  post(path: string, body: unknown): Promise<Reply>;
  get(path: string): Promise<Reply>;
  /** Closes the pooled sockets (required before exit, and after a server restart). */
  close(): void;
};

const REQUEST_TIMEOUT_MS = 30_000;

/** Headers of requests to the bare baseline (it has no auth). Platform headers: see platform-auth.ts. */
export const bareHeaders = (): Record<string, string> => ({});

export const createClient = (options: {
  name: string;
  host: string;
  port: number;
  /** Builds the headers of each request (content-type/length are added here). */
  headers: () => Record<string, string>;
  maxSockets: number;
}): Client => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets });
  const send = (method: string, path: string, payload?: unknown): Promise<Reply> =>
    new Promise((resolve) => {
      const started = performance.now();
      const body = payload === undefined ? undefined : Buffer.from(JSON.stringify(payload));
      const headers: Record<string, string | number> = { ...options.headers() };
      if (body) {
        headers["content-type"] = "application/json";
        headers["content-length"] = body.length;
      }
      let settled = false;
      const settle = (status: number, text: string) => {
        if (settled) return;
        settled = true;
        resolve({ status, body: text, ms: performance.now() - started });
      };
      const req = http.request({ host: options.host, port: options.port, method, path, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => settle(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8")));
        res.on("error", (error) => settle(0, `response error: ${error.message}`));
      });
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`timeout after ${REQUEST_TIMEOUT_MS} ms`)));
      req.on("error", (error) => settle(0, `network error: ${error.message}`));
      req.end(body);
    });
  return {
    name: options.name,
    post: (path, body) => send("POST", path, body),
    get: (path) => send("GET", path),
    close: () => agent.destroy(),
  };
};
