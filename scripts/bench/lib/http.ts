// HTTP for the bench: node:http with a keep-alive agent per client (no fetch overhead,
// a bounded socket pool), a timeout on every request, and network errors answered as
// status 0 instead of thrown, so load loops count them. Idle pooled sockets are closed
// by the client before the server's keep-alive timeout (wrangler dev: about 5 s) would
// close them, and a GET that failed on a reused socket before any response (the server
// closed it as it was reused) is sent once more on a fresh one and counted in `retries`.
import http from "node:http";

export type Reply = {
  /** HTTP status, or 0 for a network error / timeout (then `body` is the error message). */
  status: number;
  body: string;
  /** Wall time from sending to the end of the response body. */
  ms: number;
  /** Response headers (lower-case names); empty for a network error. */
  headers?: http.IncomingHttpHeaders;
};

export type Client = {
  readonly name: string;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Reply>;
  get(path: string, headers?: Record<string, string>): Promise<Reply>;
  put(path: string, body: unknown, headers?: Record<string, string>): Promise<Reply>;
  /** Closes the pooled sockets (required before exit, and after a server restart). */
  close(): void;
  /** GETs sent again because a reused keep-alive socket failed before any response. */
  readonly retries?: number;
};

const REQUEST_TIMEOUT_MS = 30_000;
/** Below the server's keep-alive timeout, so that the client, not the server, closes idle sockets. */
const IDLE_SOCKET_MS = 3_000;

/** A reply as one line for error messages: the status and the start of the body. */
export const describe = (reply: Reply): string => `${reply.status} ${reply.body.slice(0, 300).replace(/\s+/g, " ")}`;

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
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets, timeout: IDLE_SOCKET_MS });
  let retries = 0;
  const send = (method: string, path: string, payload?: unknown, extra?: Record<string, string>, retried = false): Promise<Reply> =>
    new Promise((resolve) => {
      const started = performance.now();
      const body = payload === undefined ? undefined : Buffer.from(JSON.stringify(payload));
      const headers: Record<string, string | number> = { ...options.headers(), ...extra };
      if (body) {
        headers["content-type"] = "application/json";
        headers["content-length"] = body.length;
      }
      let settled = false;
      let responded = false;
      const settle = (status: number, text: string, responseHeaders?: http.IncomingHttpHeaders) => {
        if (settled) return;
        settled = true;
        resolve({ status, body: text, ms: performance.now() - started, ...(responseHeaders ? { headers: responseHeaders } : {}) });
      };
      const req = http.request({ host: options.host, port: options.port, method, path, headers, agent }, (res) => {
        responded = true;
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => settle(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"), res.headers));
        res.on("error", (error) => settle(0, `response error: ${error.message}`));
      });
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`timeout after ${REQUEST_TIMEOUT_MS} ms`)));
      req.on("error", (error) => {
        if (method === "GET" && !retried && !responded && !settled && req.reusedSocket) {
          settled = true;
          retries++;
          void send(method, path, payload, extra, true).then((reply) => resolve({ ...reply, ms: performance.now() - started }));
          return;
        }
        settle(0, `network error: ${error.message}`);
      });
      req.end(body);
    });
  return {
    name: options.name,
    post: (path, body, headers) => send("POST", path, body, headers),
    get: (path, headers) => send("GET", path, undefined, headers),
    put: (path, body, headers) => send("PUT", path, body, headers),
    close: () => agent.destroy(),
    get retries() {
      return retries;
    },
  };
};
