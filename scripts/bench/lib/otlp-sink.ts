// A loopback OTLP/HTTP receiver for benchmarks that run with tracing on: it listens on
// 127.0.0.1, takes every export request, counts requests and bytes (so a run can show
// that spans were exported), discards the body and answers 200 `{}` as a collector does.
// Its CPU is the bench client's, not the Worker's: the Worker's figures carry exactly
// the cost of making, sampling, serializing and sending spans.
import { createServer, type Server } from "node:http";

export type OtlpSink = {
  /** The endpoint for JIDO_OTLP_ENDPOINT (exports go to its /v1/traces). */
  url: string;
  /** Export requests and body bytes received so far. */
  readonly requests: number;
  readonly bytes: number;
  close(): Promise<void>;
};

export const startOtlpSink = async (): Promise<OtlpSink> => {
  const seen = { requests: 0, bytes: 0 };
  const server: Server = createServer((req, res) => {
    req.on("data", (chunk: Buffer) => {
      seen.bytes += chunk.length;
    });
    req.on("end", () => {
      seen.requests++;
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return seen.requests;
    },
    get bytes() {
      return seen.bytes;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
