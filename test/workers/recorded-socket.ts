// A WebSocket from a 101 response, accepted, keeping every message (parsed JSON) and the
// close code: the live agent sockets and the stream tail's sockets in the integration tests.
import type { Body } from "./http.ts";

export type RecordedSocket = { ws: WebSocket; received: Body[]; closed: () => number | null };

export const recordSocket = (response: Response): RecordedSocket => {
  const ws = response.webSocket!;
  const received: Body[] = [];
  let closed: number | null = null;
  ws.addEventListener("message", (message) => {
    received.push(JSON.parse(message.data as string));
  });
  ws.addEventListener("close", (close) => {
    closed = close.code;
  });
  ws.accept();
  return { ws, received, closed: () => closed };
};
