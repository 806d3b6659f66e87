// A client closing a Server-Sent Events tail is normal: on a busy stream (publishes going
// on while it reads) the server must take it quietly. While the stream object produced
// the SSE body, every hang-up logged `Uncaught Error: Network connection lost.` from
// workerd; now the Worker produces it from `follow` reads. This reads the real
// `wrangler dev` log to see that hang-ups leave no trace, and that the stream goes on.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../scripts/lib/dev-server.ts";
import { adminToken, clientFor } from "./http.ts";

const ROUNDS = 5;
const PAD = "x".repeat(1_000);

describe("closing an SSE tail", () => {
  const dir = mkdtempSync(join(tmpdir(), "jido-e2e-sse-"));
  const logFile = join(dir, "server.log");
  let server: DevServer | undefined;

  beforeAll(async () => {
    server = await startDevServer({ persistTo: join(dir, "state"), logFile });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("on a busy stream logs no uncaught error, and the stream goes on serving", async () => {
    const request = await clientFor(() => server!);
    const token = await adminToken(server!.secret);
    let published = 0;
    const publish = async (count: number) => {
      const reply = await request("POST", "/v1/events", Array.from({ length: count }, (_, i) => ({ source: "e2e", type: "busy.tick", data: { i, pad: PAD } })));
      expect(reply.status).toBe(201);
      published += count;
    };
    /**
     * Reads the tail from the start until `enough` frames arrived (or it ends); answers the
     * ids seen. With `hangUp`, the client goes away while still reading (a read pending), as
     * an EventSource or curl does when closed, rather than after it stopped reading.
     */
    const readTail = async (controller: AbortController, enough: number, hangUp = false): Promise<number[]> => {
      const signal = controller.signal;
      const response = await fetch(`${server!.url}/v1/streams/busy/tail?from=1`, { headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" }, signal });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      const ids = () => (text.match(/^id: (\d+)$/gm) ?? []).map((line) => Number(line.slice(4)));
      while (ids().length < enough) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      if (hangUp) {
        const reading = reader.read().catch(() => undefined);
        controller.abort();
        await reading;
      }
      return ids();
    };

    await publish(100);
    for (let round = 0; round < ROUNDS; round++) {
      // The client reads while events keep coming, and hangs up in the middle of them.
      const hangUp = new AbortController();
      let busy = true;
      const publishing = (async () => {
        while (busy) await publish(10);
      })();
      const seen = await readTail(hangUp, published + 20, true);
      expect(seen.slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      busy = false;
      await publishing;
    }

    // A new reader still gets the whole stream, in order.
    const last = new AbortController();
    const all = await readTail(last, published, true);
    expect(all).toEqual(Array.from({ length: published }, (_, i) => i + 1));

    await server!.stop();
    server = undefined;
    const log = readFileSync(logFile, "utf8");
    expect(log).not.toMatch(/Uncaught/);
    expect(log).not.toMatch(/Network connection lost/);
  });
});
