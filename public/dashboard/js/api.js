// @ts-check
// The dashboard's only way to the API: fetch with `Authorization: Bearer <token>` from
// sessionStorage (never a URL or cookie), JSON in and out, and problem+json answers
// turned into ApiError (status, the problem, and for a 403 the capability it names).

const KEY = "jido.dashboard.token";

export const getToken = () => sessionStorage.getItem(KEY);
/** @param {string} token */
export const setToken = (token) => sessionStorage.setItem(KEY, token);
export const clearToken = () => sessionStorage.removeItem(KEY);

export class ApiError extends Error {
  /** @param {number} status @param {any} problem */
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
    /** @type {string | undefined} the capability a 403 names */
    this.capability = typeof problem?.capability === "string" ? problem.capability : undefined;
  }
}

/** What a section shows instead of its data when the token may not see it. */
export const forbiddenText = (/** @type {ApiError} */ error) => `not permitted (needs ${error.capability ?? "a capability this token lacks"})`;

/** @param {Record<string, string | number | boolean | undefined | null>} [query] */
const search = (query) => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
};

/**
 * Calls the API. Answers the parsed JSON (text for non-JSON bodies, null for 204).
 * Throws ApiError for a status >= 400; a 401 also fires "jido:unauthorized" on window
 * (app.js then asks to sign in again).
 * @param {string} path e.g. "/v1/agents"
 * @param {{ method?: string, body?: unknown, query?: Record<string, any>, headers?: Record<string, string>, signal?: AbortSignal }} [options]
 * @returns {Promise<any>}
 */
export const api = async (path, options = {}) => {
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json", ...options.headers };
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${path}${search(options.query)}`, {
    method: options.method ?? "GET",
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
    credentials: "omit",
  });
  const type = response.headers.get("content-type") ?? "";
  const text = await response.text();
  const body = text && /json/.test(type) ? JSON.parse(text) : text || null;
  if (!response.ok) {
    if (response.status === 401) window.dispatchEvent(new CustomEvent("jido:unauthorized", { detail: body }));
    throw new ApiError(response.status, body && typeof body === "object" ? body : { title: String(body ?? response.statusText) });
  }
  return body;
};

/**
 * Every item of a paged list (`{items, next}`), up to `max` items.
 * @param {string} path
 * @param {Record<string, any>} [query]
 * @param {{ max?: number, signal?: AbortSignal }} [options]
 */
export const listAll = async (path, query = {}, options = {}) => {
  const max = options.max ?? 5000;
  /** @type {any[]} */
  const items = [];
  let cursor;
  do {
    const page = await api(path, { query: { ...query, limit: 100, cursor }, signal: options.signal });
    items.push(...page.items);
    cursor = page.next ?? undefined;
  } while (cursor && items.length < max);
  return { items: items.slice(0, max), truncated: Boolean(cursor) };
};

/**
 * The token's claims, decoded for display only (the API verifies it; this does not).
 * @param {string | null} token
 * @returns {{ sub?: string, tenant?: string, caps?: string[], exp?: number } | null}
 */
export const claimsOf = (token) => {
  try {
    const part = token?.split(".")[1];
    if (!part) return null;
    const json = atob(part.replaceAll("-", "+").replaceAll("_", "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
    return JSON.parse(json);
  } catch {
    return null;
  }
};
