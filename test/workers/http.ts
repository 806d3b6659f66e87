// Small helpers for the workerd integration tests: JSON requests through the Worker
// (SELF), problem+json assertions, and unique agent ids (storage is shared per file).
import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import { TENANT, tokenFor } from "./tokens.ts";

// Test bodies are whatever the API answers; `any` keeps the assertions short.
export type Body = any;
export type Reply = { status: number; body: Body; headers: Headers; text: string };

const BASE = "http://localhost";

/** Every request carries an admin token of the tests' tenant unless it sets its own. */
const ADMIN_TOKEN = tokenFor({ tenant: TENANT, caps: ["admin"], rps: 1_000_000 });

/** Sends a request as-is (for malformed bodies, odd content types, raw paths). */
export const raw = async (path: string, init: RequestInit = {}): Promise<Reply> => {
  const headers = { authorization: `Bearer ${await ADMIN_TOKEN}`, ...(init.headers as Record<string, string> | undefined) };
  return toReply(await SELF.fetch(`${BASE}${path}`, { ...init, headers }));
};

/** Reads a response into a Reply (the body parsed as JSON when it is JSON). */
export const toReply = async (response: Response): Promise<Reply> => {
  const text = await response.text();
  let body: Body = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: response.status, body, headers: response.headers, text };
};

export const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> =>
  raw(path, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

export const post = (path: string, body?: unknown, headers?: Record<string, string>) => send("POST", path, body, headers);
export const get = (path: string) => send("GET", path);
export const del = (path: string) => send("DELETE", path);

/** A fresh agent id, so tests never see each other's agents. */
export const newId = (prefix = "t"): string => `${prefix}-${crypto.randomUUID()}`;

/** Spawns an agent and asserts it was created. */
export const spawn = async (type: string, id: string, state?: unknown, headers?: Record<string, string>): Promise<Body> => {
  const reply = await post("/v1/agents", state === undefined ? { type, id } : { type, id, state }, headers);
  expect(reply.status, reply.text).toBe(201);
  return reply.body;
};

export const call = (id: string, action: string, input?: unknown, headers?: Record<string, string>) =>
  post(`/v1/agents/${id}/actions/${action}`, input, headers);

/** Reads an agent and asserts it exists. */
export const view = async (id: string): Promise<Body> => {
  const reply = await get(`/v1/agents/${id}`);
  expect(reply.status, reply.text).toBe(200);
  return reply.body;
};

/**
 * Asserts a problem+json answer with the given status and a type ending in `slug`;
 * answers the body for further checks.
 */
export const expectProblem = (reply: Reply, status: number, slug?: string): Body => {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get("content-type")).toBe("application/problem+json");
  expect(reply.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
  if (slug !== undefined) expect(reply.body.type).toMatch(new RegExp(`/${slug}$`));
  return reply.body;
};

/** Asserts a 400 validation problem whose errors name `path` (among possibly others). */
export const expectInvalid = (reply: Reply, path: string): Body => {
  const body = expectProblem(reply, 400);
  expect(body.errors, reply.text).toEqual(expect.arrayContaining([{ path, message: expect.any(String) }]));
  return body;
};

/** The field paths of a problem's errors. */
export const errorPaths = (reply: Reply): string[] => (reply.body.errors ?? []).map((e: { path: string }) => e.path);
