// A webhook receiver for the event bench: an HTTP server on 127.0.0.1 that answers 200
// at once and notes when each delivery (a CloudEvent) arrived, by event id, so that a
// waiter can learn the arrival time without polling. Signatures are not verified (the
// e2e tests do that); the receiver's own work is kept small so as not to distort timing.
import { createServer, type Server } from "node:http";

export type Arrival = { id: string; sequence: number; at: number };

export type WebhookReceiver = {
  url: string;
  /** Deliveries received (duplicates included), in arrival order. */
  arrivals: Arrival[];
  /** Deliveries whose body was not a CloudEvent with an id. */
  malformed: number;
  /** Resolves with the arrival time (performance.now()) of the first delivery of `id`, or null after `timeoutMs`. */
  waitFor(id: string, timeoutMs: number): Promise<number | null>;
  close(): Promise<void>;
};

export const startWebhookReceiver = async (): Promise<WebhookReceiver> => {
  const first = new Map<string, number>();
  const waiters = new Map<string, (at: number) => void>();
  const receiver = { arrivals: [] as Arrival[], malformed: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const at = performance.now();
      res.writeHead(200).end();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id?: unknown; sequence?: unknown };
        if (typeof body.id !== "string") throw new Error("no id");
        receiver.arrivals.push({ id: body.id, sequence: Number(body.sequence), at });
        if (!first.has(body.id)) {
          first.set(body.id, at);
          waiters.get(body.id)?.(at);
          waiters.delete(body.id);
        }
      } catch {
        receiver.malformed++;
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    get arrivals() {
      return receiver.arrivals;
    },
    get malformed() {
      return receiver.malformed;
    },
    waitFor: (id, timeoutMs) => {
      const seen = first.get(id);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(id);
          resolve(null);
        }, timeoutMs);
        waiters.set(id, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
