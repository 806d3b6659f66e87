// A small JSON client for end-to-end tests against a running platform, authenticated
// with a token signed by that server's secret.
import type { DevServer } from "../../scripts/lib/dev-server.ts";
import { signToken, type TokenRequest } from "../../src/platform/security/tokens.ts";

export type Reply = { status: number; body: unknown; headers: Headers };

export type Client = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Reply>;

export const adminToken = (secret: string, request: Partial<TokenRequest> = {}): Promise<string> =>
  signToken(secret, { subject: "e2e", tenant: "e2e", caps: ["admin"], rps: 100_000, ...request });

/** A client for `server`; it follows the server across restarts when given a getter. */
export const clientFor = async (server: () => DevServer, request: Partial<TokenRequest> = {}): Promise<Client> => {
  const token = await adminToken(server().secret, request);
  return async (method, path, body, headers = {}) => {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${token}`, ...headers }, signal: AbortSignal.timeout(30_000) };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] = "application/json";
    }
    const response = await fetch(`${server().url}${path}`, init);
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
  };
};
