// A Server-Sent Events reader (the WHATWG event-stream format) over a fetch body, for
// the client's live tail: frames are split on blank lines, `data:` lines joined with
// newlines, comments (the platform's keep-alives) skipped.

export type SseFrame = { id?: string; event?: string; data?: string; retry?: number };

/** Applies one line of a frame (without its line ending) to `frame`. */
export const sseLine = (frame: SseFrame, line: string): void => {
  if (line === "" || line.startsWith(":")) return;
  const colon = line.indexOf(":");
  const field = colon === -1 ? line : line.slice(0, colon);
  let value = colon === -1 ? "" : line.slice(colon + 1);
  if (value.startsWith(" ")) value = value.slice(1);
  if (field === "data") frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
  else if (field === "id") frame.id = value;
  else if (field === "event") frame.event = value;
  else if (field === "retry" && /^\d+$/.test(value)) frame.retry = Number(value);
};

const isEmpty = (frame: SseFrame): boolean => Object.keys(frame).length === 0;

/** The frames of an event stream, in order, as they arrive. */
export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseFrame> {
  const decoder = new TextDecoder();
  let buffer = "";
  let frame: SseFrame = {};
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      // A \r at the end may be the first half of a \r\n split across chunks: wait for the next.
      const held = !done && buffer.endsWith("\r") ? "\r" : "";
      const lines = (held ? buffer.slice(0, -1) : buffer).split(/\r\n|\r|\n/);
      // The last piece is an unfinished line.
      buffer = done ? "" : (lines.pop() ?? "") + held;
      for (const line of lines) {
        if (line === "") {
          if (!isEmpty(frame)) yield frame;
          frame = {};
        } else {
          sseLine(frame, line);
        }
      }
      if (done) return;
    }
  } finally {
    reader.releaseLock();
  }
}
