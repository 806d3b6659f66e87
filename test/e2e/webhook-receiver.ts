// A webhook receiver for end-to-end tests: an HTTP server on 127.0.0.1 that records
// every delivery (with whether its Standard Webhooks signature verified) and answers
// with a status (and headers, e.g. a redirect's Location) the test controls.
import { createServer, type Server } from "node:http";
import { verifyWebhook } from "../../src/platform/events/webhook-signature.ts";

export type Delivery = { id: string; sequence: number; type: string; verified: boolean; body: Record<string, unknown>; headers: Record<string, string> };

export type Receiver = {
  url: string;
  deliveries: Delivery[];
  /** Every request received, whatever was answered. */
  readonly requests: number;
  /** The status (and headers) answered from now on (e.g. 503 to make deliveries fail). */
  answer(status: number, headers?: Record<string, string>): void;
  /** The secret deliveries are verified with (shown when the subscription is created). */
  useSecret(secret: string): void;
  close(): Promise<void>;
};

export const startReceiver = async (): Promise<Receiver> => {
  let status = 200;
  let headers: Record<string, string> = {};
  let requests = 0;
  let secret = "";
  const deliveries: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    requests++;
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      void (async () => {
        if (status >= 200 && status < 300) {
          const header = (name: string) => String(req.headers[name] ?? "");
          const verified = await verifyWebhook(secret, { id: header("webhook-id"), timestamp: header("webhook-timestamp"), signature: header("webhook-signature") }, text, Date.now());
          const body = JSON.parse(text) as Record<string, unknown>;
          const received = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
          deliveries.push({ id: String(body.id), sequence: Number(body.sequence), type: String(body.type), verified, body, headers: received });
        }
        res.writeHead(status, headers).end();
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    deliveries,
    get requests() {
      return requests;
    },
    answer: (next, nextHeaders = {}) => {
      status = next;
      headers = nextHeaders;
    },
    useSecret: (next) => {
      secret = next;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};
