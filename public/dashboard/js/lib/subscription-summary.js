// What the Subscriptions page (and the overview's laggiest list) shows of a subscription:
// totals over the streams it reads (lag, dead letters), its latest error, and the stream
// its dead letters go to. The dead-letter stream's name is computed as the platform does
// (src/platform/events/subscription.ts `deadLetterStream`; a unit test holds the two
// equal), since a subscription's view does not carry it. Pure, so it is tested without
// a browser.

/** FNV-1a over UTF-16 code units, as src/platform/shard-hash.ts. @param {string} text */
const fnv1a = (text) => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
};

/**
 * The dead-letter stream of subscription `id`.
 * @param {string} id
 */
export const deadLetterStream = (id) => {
  const plain = id.toLowerCase().replace(/[^a-z0-9._-]/g, "-");
  return plain === id && plain.length <= 124 ? `dlq.${plain}` : `dlq.${plain.slice(0, 100)}.${fnv1a(id).toString(36)}`;
};

/**
 * @typedef {{ id: string, status: string, suspended: string | null, target: string,
 *   patterns: string[], lag: number, deadLetters: number, delivered: number,
 *   lastError: { at: string, message: string, sequence: number, stream: string } | null,
 *   deadLetterStream: string,
 *   streams: { stream: string, cursor: number, last: number, lag: number, deadLetters: number }[] }} SubscriptionSummary
 */

/** @param {any} target */
const targetText = (target) => {
  if (!target || typeof target !== "object") return "";
  if (target.kind === "agent") return `agent ${target.agent} . ${target.action}`;
  if (target.kind === "webhook") return `webhook ${target.url}`;
  return String(target.kind ?? "");
};

/**
 * @param {any} view an item of GET /v1/subscriptions (or GET /v1/subscriptions/:id)
 * @returns {SubscriptionSummary}
 */
export const subscriptionSummary = (view) => {
  const streams = Array.isArray(view?.streams) ? view.streams : [];
  /** @type {SubscriptionSummary["lastError"]} */
  let lastError = null;
  for (const s of streams) {
    if (s?.lastError && (lastError === null || String(s.lastError.at) > lastError.at)) lastError = { ...s.lastError, stream: String(s.stream) };
  }
  const sum = (/** @type {string} */ key) => streams.reduce((total, s) => total + (Number(s?.[key]) || 0), 0);
  return {
    id: String(view?.id),
    status: String(view?.status ?? "active"),
    suspended: typeof view?.suspended === "string" ? view.suspended : null,
    target: targetText(view?.target),
    patterns: Array.isArray(view?.patterns) ? view.patterns.map(String) : [],
    lag: sum("lag"),
    deadLetters: sum("deadLetters"),
    delivered: sum("delivered"),
    lastError,
    deadLetterStream: deadLetterStream(String(view?.id)),
    streams: streams.map((s) => ({ stream: String(s.stream), cursor: Number(s.cursor), last: Number(s.last), lag: Number(s.lag), deadLetters: Number(s.deadLetters) })),
  };
};

/**
 * The `n` subscriptions furthest behind, laggiest first (ties by id), without the caught-up.
 * @param {SubscriptionSummary[]} summaries
 * @param {number} n
 */
export const laggiest = (summaries, n) =>
  summaries.filter((s) => s.lag > 0).sort((a, b) => b.lag - a.lag || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(0, n);

/**
 * The streams a tenant's subscriptions read, with the platform's and the given ones,
 * sorted, without repeats: the Streams page offers these (GET /v1/streams has no list).
 * @param {SubscriptionSummary[]} summaries
 * @param {string[]} [extra]
 */
export const knownStreams = (summaries, extra = []) => {
  const names = new Set(extra);
  for (const s of summaries) {
    for (const st of s.streams) names.add(st.stream);
    if (s.deadLetters > 0) names.add(s.deadLetterStream);
  }
  return [...names].filter((name) => typeof name === "string" && name !== "").sort();
};
