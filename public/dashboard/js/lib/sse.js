// Server-Sent Events read with fetch(), for the live tail. A browser's EventSource cannot
// send an Authorization header, and a token must never go into a URL, so the dashboard
// fetches the text/event-stream with its header and parses the body itself. The parser
// follows the HTML standard's event-stream rules (data lines joined by "\n", `id`,
// `event`, `retry`, comments, CRLF/CR/LF line ends, chunks split anywhere). Pure parser,
// so it is tested without a browser; `readSse` is the small loop around a reader.

/** @typedef {{ id: string, event: string, data: string }} SseMessage */

/**
 * A parser fed chunks of text; `onMessage` gets each complete event.
 * @param {(message: SseMessage) => void} onMessage
 */
export const createSseParser = (onMessage) => {
  let buffer = "";
  let data = [];
  let event = "";
  let lastId = "";
  let sawData = false;
  /** @param {string} line */
  const line = (line) => {
    if (line === "") {
      if (sawData) onMessage({ id: lastId, event: event || "message", data: data.join("\n") });
      data = [];
      event = "";
      sawData = false;
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") {
      data.push(value);
      sawData = true;
    } else if (field === "event") event = value;
    else if (field === "id" && !value.includes("\0")) lastId = value;
  };
  return {
    /** @param {string} chunk */
    feed(chunk) {
      buffer += chunk;
      for (;;) {
        const match = /\r\n|\r|\n/.exec(buffer);
        // A lone "\r" at the end may be the first half of "\r\n": wait for the next chunk.
        if (!match || (match[0] === "\r" && match.index === buffer.length - 1)) return;
        line(buffer.slice(0, match.index));
        buffer = buffer.slice(match.index + match[0].length);
      }
    },
    /** The last event id seen (to resume with Last-Event-ID). */
    lastEventId: () => lastId,
  };
};

/**
 * Reads an SSE response body to its end (or until `signal` aborts), handing each event to
 * `onMessage`. Resolves when the body ends; an abort resolves quietly.
 * @param {Response} response
 * @param {(message: SseMessage) => void} onMessage
 * @param {AbortSignal} [signal]
 */
export const readSse = async (response, onMessage, signal) => {
  if (!response.body) return;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parser = createSseParser(onMessage);
  const stop = () => reader.cancel().catch(() => {});
  signal?.addEventListener("abort", stop, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } catch (error) {
    if (!signal?.aborted) throw error;
  } finally {
    signal?.removeEventListener("abort", stop);
  }
};
