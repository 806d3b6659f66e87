// Helpers of the security suite: requests with exactly the headers given (no token
// unless one is passed), 401/403 problem assertions, a tenant's audit stream read back
// with an admin token, and snapshots that show a refused request changed nothing.
import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import { type Body, expectProblem, type Reply, toReply } from "./http.ts";
import { adminOf, bearer } from "./tokens.ts";
import type { TokenRequest } from "../../src/platform/security/tokens.ts";

export type HeaderMap = Record<string, string>;

/** Sends a request with exactly `headers`: no token unless they carry one. */
export const request = async (method: string, path: string, body?: unknown, headers: HeaderMap = {}): Promise<Reply> => {
  const init: RequestInit = { method, headers: body === undefined ? headers : { "content-type": "application/json", ...headers } };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  const response = await SELF.fetch(`http://localhost${path}`, init);
  if (response.headers.get("content-type")?.startsWith("text/event-stream")) {
    // A live tail never ends: take its status and headers, and hang up.
    await response.body?.cancel();
    return { status: response.status, body: null, headers: response.headers, text: "" };
  }
  return toReply(response);
};

export type Client = {
  send(method: string, path: string, body?: unknown, headers?: HeaderMap): Promise<Reply>;
  get(path: string): Promise<Reply>;
  post(path: string, body?: unknown, headers?: HeaderMap): Promise<Reply>;
  del(path: string): Promise<Reply>;
};

/** A client that sends every request with `auth` (e.g. one token's Authorization header). */
export const as = (auth: HeaderMap): Client => {
  const send = (method: string, path: string, body?: unknown, headers: HeaderMap = {}) => request(method, path, body, { ...auth, ...headers });
  return { send, get: (path) => send("GET", path), post: (path, body, headers) => send("POST", path, body, headers), del: (path) => send("DELETE", path) };
};

/** A client holding a token made from `token` (tenant, caps, subject, rps...). */
export const client = async (token: Partial<TokenRequest>): Promise<Client> => as(await bearer(token));
export const admin = async (tenant: string): Promise<Client> => as(await adminOf(tenant));

/** A 401 problem with a Bearer challenge, whose text echoes none of `secrets`. */
export const expectUnauthorized = (reply: Reply, secrets: readonly string[] = []): Body => {
  const body = expectProblem(reply, 401, "unauthorized");
  expect(reply.headers.get("www-authenticate")).toMatch(/^Bearer realm=/);
  for (const secret of secrets) if (secret) expect(reply.text).not.toContain(secret);
  return body;
};

/** A 403 problem naming `capability` as a member and in its detail. */
export const expectForbidden = (reply: Reply, capability: string): Body => {
  const body = expectProblem(reply, 403, "forbidden");
  expect(body.capability).toBe(capability);
  expect(body.detail).toContain(`'${capability}'`);
  return body;
};

/** Every event of the tenant's audit stream, read with an admin token; asserts the envelope and gap-free sequences. */
export const readAudit = async (tenant: string, pageSize = 1000): Promise<Body[]> => {
  const reader = await admin(tenant);
  const events: Body[] = [];
  let from: number | null = 1;
  while (from !== null) {
    const reply = await reader.get(`/v1/streams/audit/events?from=${from}&limit=${pageSize}`);
    expect(reply.status, reply.text).toBe(200);
    events.push(...reply.body.items);
    from = reply.body.next;
  }
  expect(events.map((event) => event.sequence)).toEqual(events.map((_, index) => index + 1));
  for (const event of events) {
    expect(event).toMatchObject({
      specversion: "1.0",
      id: expect.any(String),
      type: "security.access.denied",
      source: expect.any(String),
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      tenant,
      stream: "audit",
      subject: event.data.resource,
      data: { who: expect.any(String), what: expect.any(String), why: expect.any(String), resource: expect.any(String) },
    });
  }
  return events;
};

export type Denied = { who: string; what: string; resource: string; why?: unknown };

/** The tenant's audit stream is exactly these denials, in this order. */
export const expectAudited = async (tenant: string, denials: readonly Denied[]): Promise<Body[]> => {
  const events = await readAudit(tenant);
  expect(events.map((event) => event.data)).toEqual(
    denials.map(({ who, what, resource, why }) => ({ who, what, resource, why: why ?? expect.any(String) })),
  );
  return events;
};

/** What an admin of `tenant` sees of agent `id`: its view (or 404) and its grants. */
export const snapshot = async (tenant: string, id: string): Promise<Body> => {
  const reader = await admin(tenant);
  const agent = await reader.get(`/v1/agents/${id}`);
  const grants = agent.status === 200 ? await reader.get(`/v1/agents/${id}/grants?limit=1000`) : null;
  return { status: agent.status, agent: agent.body, grants: grants?.body ?? null };
};

/** Asserts a reply is 2xx (with its text as the message). */
export const expectOk = (reply: Reply): Body => {
  expect(reply.status, reply.text).toBeGreaterThanOrEqual(200);
  expect(reply.status, reply.text).toBeLessThan(300);
  return reply.body;
};
