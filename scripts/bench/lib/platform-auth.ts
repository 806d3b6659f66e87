// How the bench authenticates to the platform: every platform request's headers come
// from platformHeaders(), the token from platformToken(), minted once per server start
// with the secret that server verifies (generated per server by scripts/lib/dev-server.ts,
// or JIDO_JWT_SECRET from the environment). The token carries a high `rps` claim so the
// per-token rate limit does not throttle the measurement; JIDO_TOKEN overrides it.
import { signToken } from "../../../src/platform/security/tokens.ts";
import { LOCAL_WEBHOOK_VARS } from "../../lib/dev-server.ts";

export type AuthServer = { url: string; secret?: string | undefined };

export const platformToken = async (server: AuthServer): Promise<string | undefined> => {
  if (process.env.JIDO_TOKEN) return process.env.JIDO_TOKEN;
  if (!server.secret) throw new Error("the platform server has no token secret to mint a bench token with");
  return signToken(server.secret, { subject: "bench", tenant: "bench", caps: ["admin"], ttlSeconds: 4 * 3600, rps: 1_000_000 });
};

/** Headers of EVERY request the bench sends to the platform (content-type/length are added by the client). */
export const platformHeaders = (token: string | undefined): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

/** `--var`s the platform's server starts with (kept across restarts): the event bench's webhook receiver is on 127.0.0.1. */
export const platformServerVars = (): Record<string, string> => ({
  ...LOCAL_WEBHOOK_VARS,
  ...(process.env.JIDO_JWT_SECRET ? { JIDO_JWT_SECRET: process.env.JIDO_JWT_SECRET } : {}),
  // BENCH_METRICS=off: the platform side runs with metrics off (compare with `bench -- metrics`).
  ...(process.env.BENCH_METRICS === "off" ? { JIDO_METRICS: "off" } : {}),
});
