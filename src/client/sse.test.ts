import { describe, expect, it } from "vitest";
import { parseSse, type SseFrame } from "./sse.ts";

const bodyOf = (...chunks: string[]): ReadableStream<Uint8Array> => {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
};

const frames = async (...chunks: string[]): Promise<SseFrame[]> => {
  const out: SseFrame[] = [];
  for await (const frame of parseSse(bodyOf(...chunks))) out.push(frame);
  return out;
};

describe("parseSse", () => {
  it("reads the platform's frames and skips its keep-alives", async () => {
    expect(await frames("id: 1\nevent: cloudevent\ndata: {\"a\":1}\n\n: keep-alive\n\nid: 2\ndata: {}\n\n")).toEqual([
      { id: "1", event: "cloudevent", data: '{"a":1}' },
      { id: "2", data: "{}" },
    ]);
  });

  it("joins frames split anywhere across chunks, with any line ending", async () => {
    expect(await frames("id: 7\r", "\ndata: x", "y\r\ndata: z\r\n\r\n", "retry: 1000\n\n")).toEqual([{ id: "7", data: "xy\nz" }, { retry: 1000 }]);
  });

  it("drops an unfinished frame at the end", async () => {
    expect(await frames("data: complete\n\ndata: cut")).toEqual([{ data: "complete" }]);
  });
});
