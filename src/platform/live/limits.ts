// Documented limits of live state sync (README "Live state"). Each bounds what one client
// can make an agent object hold or do: tickets waiting to be used, open sockets, the size
// of a message it must parse, and how fast one socket may call actions.
export const LIVE_LIMITS = {
  /** A ticket is usable this long after it was issued, and once. */
  ticketTtlMs: 60_000,
  /** Unused tickets an agent holds at once; past it, POST /v1/tickets answers 429. */
  maxPendingTickets: 1_000,
  /** Open sockets per agent; past it, the upgrade answers 429. */
  maxSockets: 1_000,
  /** A client message larger than this closes the socket with 1009. */
  maxMessageBytes: 64 * 1024,
  /** Calls per second a socket may make (a token bucket), and the burst it may save up. */
  callsPerSecond: 10,
  callBurst: 20,
  /** Recent patches an agent keeps in memory for reconnecting clients. */
  ringVersions: 100,
  /** ... and at most this many characters of them. */
  ringChars: 1024 * 1024,
} as const;

/** Close codes (4000-4999 are the application's). */
export const CLOSE = {
  /** The client sent a message over maxMessageBytes (RFC 6455 "message too big"). */
  tooBig: 1009,
  /** The agent was deleted. */
  gone: 4404,
  /** The client sent something that is not a JSON object. */
  badMessage: 1003,
} as const;
