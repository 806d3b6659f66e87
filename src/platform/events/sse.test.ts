import { describe, expect, it } from "vitest";
import { SSE_KEEPALIVE, SSE_RECONNECT, sseStream, type TailBatch } from "./sse.ts";

const item = (sequence: number) => ({ sequence, event: JSON.stringify({ sequence }) });
const decoder = new TextDecoder();

/** A reader over scripted batches, recording where each read started. */
const scripted = (...batches: (TailBatch | Error)[]) => {
  const froms: number[] = [];
  const read = async (from: number): Promise<TailBatch> => {
    froms.push(from);
    const next = batches.shift() ?? { items: [] };
    if (next instanceof Error) throw next;
    return next;
  };
  return { froms, read };
};

const take = async (reader: ReadableStreamDefaultReader<Uint8Array>) => {
  const { done, value } = await reader.read();
  return done ? null : decoder.decode(value);
};

describe("sseStream", () => {
  it("sends each batch as id/event/data frames and reads on after the last one sent", async () => {
    const { froms, read } = scripted({ items: [item(3), item(4)] }, { items: [item(5)] });
    const reader = sseStream(read, 3).getReader();
    expect(await take(reader)).toBe('id: 3\nevent: cloudevent\ndata: {"sequence":3}\n\nid: 4\nevent: cloudevent\ndata: {"sequence":4}\n\n');
    expect(await take(reader)).toBe('id: 5\nevent: cloudevent\ndata: {"sequence":5}\n\n');
    expect(froms).toEqual([3, 5]);
  });

  it("sends a keep-alive comment after a quiet wait and reads from the same place again", async () => {
    const { froms, read } = scripted({ items: [] }, { items: [item(1)] });
    const reader = sseStream(read, 1).getReader();
    expect(await take(reader)).toBe(SSE_KEEPALIVE);
    expect(await take(reader)).toContain("id: 1\n");
    expect(froms).toEqual([1, 1]);
  });

  it("reads nothing ahead of the client", async () => {
    const { froms, read } = scripted({ items: [item(1)] });
    const reader = sseStream(read, 1).getReader();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(froms).toEqual([]);
    await take(reader);
    expect(froms).toEqual([1]);
  });

  it("ends with a retry hint when a read fails, so the client resumes with Last-Event-ID", async () => {
    const { read } = scripted({ items: [item(1)] }, new Error("object reset"));
    const reader = sseStream(read, 1).getReader();
    await take(reader);
    expect(await take(reader)).toBe(SSE_RECONNECT);
    expect(await take(reader)).toBeNull();
  });

  it("takes a client going away quietly, even with a read in flight", async () => {
    let finish: (batch: TailBatch) => void = () => undefined;
    let reads = 0;
    const stream = sseStream(() => {
      reads++;
      return new Promise<TailBatch>((resolve) => (finish = resolve));
    }, 1);
    const reader = stream.getReader();
    const pending = reader.read();
    await new Promise((resolve) => setTimeout(resolve, 0));
    await reader.cancel("client gone");
    finish({ items: [item(1)] });
    expect(await pending).toEqual({ done: true, value: undefined });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(reads).toBe(1);
  });

  it("stops when the client's request signal aborts with a read in flight: ends, sends and reads nothing more", async () => {
    let finish: (batch: TailBatch) => void = () => undefined;
    let reads = 0;
    const client = new AbortController();
    const stream = sseStream(
      () => {
        reads++;
        return new Promise<TailBatch>((resolve) => (finish = resolve));
      },
      1,
      { signal: client.signal },
    );
    const reader = stream.getReader();
    const pending = reader.read();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(reads).toBe(1);
    client.abort();
    // The stream ends at once, not when the read answers; its batch is never sent.
    expect(await pending).toEqual({ done: true, value: undefined });
    finish({ items: [item(1)] });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await reader.read()).toEqual({ done: true, value: undefined });
    expect(reads).toBe(1);
  });

  it("reads nothing for a client already gone (its signal aborted before the stream started)", async () => {
    const { froms, read } = scripted({ items: [item(1)] });
    const reader = sseStream(read, 1, { signal: AbortSignal.abort() }).getReader();
    expect(await reader.read()).toEqual({ done: true, value: undefined });
    expect(froms).toEqual([]);
  });

  it("sends only the items kept, reads past batches with none, and ends after the last one", async () => {
    const { froms, read } = scripted({ items: [item(1), item(2)] }, { items: [item(3), item(4), item(5)] }, { items: [item(6)] });
    const reader = sseStream(read, 1, { keep: ({ sequence }) => sequence !== 2 && sequence >= 3, last: ({ sequence }) => sequence === 4 }).getReader();
    const text = await take(reader);
    expect([...text!.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual([3, 4]);
    expect(await take(reader)).toBeNull();
    expect(froms).toEqual([1, 3]);
  });

  it("ends after a quiet wait when `ended` says nothing more will come, else sends a keep-alive", async () => {
    const { read } = scripted({ items: [] }, { items: [] });
    const answers = [false, true];
    const reader = sseStream(read, 1, { ended: async () => answers.shift()! }).getReader();
    expect(await take(reader)).toBe(SSE_KEEPALIVE);
    expect(await take(reader)).toBeNull();
  });
});
