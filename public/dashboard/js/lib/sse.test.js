import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSseParser, readSse } from "./sse.js";

const parse = (chunks) => {
  const messages = [];
  const parser = createSseParser((m) => messages.push(m));
  for (const chunk of chunks) parser.feed(chunk);
  return { messages, parser };
};

const frames = 'id: 1\nevent: cloudevent\ndata: {"a":1}\n\n: keep-alive\n\nid: 2\nevent: cloudevent\ndata: {"b":2}\n\n';

describe("createSseParser", () => {
  it("reads the tail's frames and skips keep-alive comments", () => {
    const { messages, parser } = parse([frames]);
    expect(messages).toEqual([{ id: "1", event: "cloudevent", data: '{"a":1}' }, { id: "2", event: "cloudevent", data: '{"b":2}' }]);
    expect(parser.lastEventId()).toBe("2");
  });

  it("gives the same events however the text is cut into chunks, CRLF included", () => {
    const text = frames.replaceAll("\n", "\r\n");
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: text.length }), { maxLength: 8 }), (cuts) => {
        const points = [...new Set([0, ...cuts.sort((a, b) => a - b), text.length])];
        const chunks = points.slice(1).map((end, i) => text.slice(points[i], end));
        expect(parse(chunks).messages).toEqual(parse([frames]).messages);
      }),
    );
  });

  it("joins data lines, defaults the event name, and holds an event until its blank line", () => {
    expect(parse(["data: a\ndata:b\n\ndata: c\n"]).messages).toEqual([{ id: "", event: "message", data: "a\nb" }]);
  });

  it("keeps a retry hint or an empty block from becoming an event", () => {
    expect(parse([": stream unavailable\nretry: 1000\n\n\n"]).messages).toEqual([]);
  });
});

describe("readSse", () => {
  it("reads a response body to its end", async () => {
    const body = new ReadableStream({
      start(controller) {
        const bytes = new TextEncoder().encode(frames);
        controller.enqueue(bytes.slice(0, 7));
        controller.enqueue(bytes.slice(7));
        controller.close();
      },
    });
    const messages = [];
    await readSse(new Response(body), (m) => messages.push(m));
    expect(messages.map((m) => m.id)).toEqual(["1", "2"]);
  });

  it("stops quietly when aborted", async () => {
    const controller = new AbortController();
    const messages = [];
    const body = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("id: 1\ndata: x\n\n")); } });
    const reading = readSse(new Response(body), (m) => { messages.push(m); controller.abort(); }, controller.signal);
    await expect(reading).resolves.toBeUndefined();
    expect(messages).toHaveLength(1);
  });
});
