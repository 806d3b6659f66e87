// An OpenTelemetry collector stand-in for end-to-end tests: an OTLP/HTTP receiver on
// 127.0.0.1 that takes JSON export requests on /v1/traces, keeps every span (decoded by
// test/tracing/otlp.ts) and the request headers, and answers as a collector does.
import { createServer, type Server } from "node:http";
import { type ExportedSpan, spansOf } from "../tracing/otlp.ts";

export type OtlpReceiver = {
  /** The endpoint to give JIDO_OTLP_ENDPOINT (traces go to its /v1/traces). */
  url: string;
  spans: ExportedSpan[];
  /** The headers of every export request. */
  headers: Record<string, string>[];
  close(): Promise<void>;
};

export const startOtlpReceiver = async (): Promise<OtlpReceiver> => {
  const spans: ExportedSpan[] = [];
  const headers: Record<string, string>[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/traces" || !String(req.headers["content-type"]).startsWith("application/json")) {
        res.writeHead(415).end();
        return;
      }
      headers.push(Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])));
      spans.push(...spansOf(Buffer.concat(chunks).toString("utf8")));
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, spans, headers, close: () => new Promise((resolve) => server.close(() => resolve())) };
};
