// Why: runs are listed newest first (by start time, then id), and a page's cursor must
// stay put when newer runs start meanwhile. So a cursor is the position of the page's
// last run, (start time, id), opaque to clients like every cursor of the platform
// (pagination.ts), and the next page is every run strictly after it in that order.
import { cursorKey } from "../pagination.ts";
import { validationProblem } from "../problem.ts";

export type RunPosition = { createdAt: number; id: string };

const base64url = (text: string): string =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text))).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

export const encodeRunCursor = (position: RunPosition): string => base64url(`${position.createdAt}:${position.id}`);

export const decodeRunCursor = (cursor: string): RunPosition => {
  const match = /^(\d{1,16}):(.+)$/s.exec(cursorKey(cursor) ?? "");
  if (!match) throw validationProblem([{ path: "query.cursor", message: "not a cursor returned by this list" }]);
  return { createdAt: Number(match[1]), id: match[2]! };
};

