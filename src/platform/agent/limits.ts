// Documented size limits of the agent runtime. SQLite rows hold at most 2 MB, so every
// stored value is bounded below that, and agent state is split over rows of
// `stateChunkChars` characters (at most 3 UTF-8 bytes each, so a chunk stays < 2 MB).
export const LIMITS = {
  /** Request bodies on every route but restore. */
  requestBytes: 1024 * 1024,
  /** A checkpoint carries the whole state and outbox, so restore accepts more. */
  restoreRequestBytes: 12 * 1024 * 1024,
  /** How deeply a request's JSON may nest; far deeper input overflows the stack of RPC serialisation. */
  requestJsonDepth: 128,
  stateBytes: 8 * 1024 * 1024,
  stateChunkChars: 512 * 1024,
  outputBytes: 1024 * 1024,
  eventDataBytes: 256 * 1024,
  eventsPerCall: 100,
} as const;

const encoder = new TextEncoder();

/** Whether a string's UTF-8 form fits in `limit` bytes; encodes only when length alone cannot tell. */
export const fitsIn = (text: string, limit: number): boolean =>
  text.length * 3 <= limit || (text.length <= limit && encoder.encode(text).byteLength <= limit);
