// A recording HTTP proxy for end-to-end tests: forwards every request to the platform
// as it is (streamed both ways, so Server-Sent Events pass live) and records each
// request's method and path, so a test can say which routes a client used and how often.
import { createServer, request, type Server } from "node:http";

export type RecordingProxy = {
  url: string;
  /** "GET /v1/runs/run_1", in arrival order. */
  readonly requests: readonly string[];
  close(): Promise<void>;
};

export const startRecordingProxy = async (target: string): Promise<RecordingProxy> => {
  const to = new URL(target);
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${new URL(req.url ?? "/", to).pathname}`);
    const upstream = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    // The client hanging up (the end of a live stream it no longer needs) ends the upstream request too.
    res.on("close", () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the proxy has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
