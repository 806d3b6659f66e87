// A fresh local platform as `npm start` leaves it, for the dashboard's browser test and
// its screenshots script: `wrangler dev` on 127.0.0.1 with its own state directory and
// secret, an admin token for tenant "local", and the seeded agents the order workflow
// binds. `stop` ends the server (only the processes started here) and deletes its state.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signToken } from "../../src/platform/security/tokens.ts";
import { startDevServer } from "./dev-server.ts";
import { seedAgents } from "./seed-agents.ts";

/** `secret` signs other tokens for this server (e.g. one with fewer capabilities). */
export type SeededPlatform = { url: string; token: string; secret: string; stop(): Promise<void> };

export const startSeededPlatform = async (name: string): Promise<SeededPlatform> => {
  const persistTo = mkdtempSync(join(tmpdir(), `jido-${name}-`));
  const cleanUp = () => rmSync(persistTo, { recursive: true, force: true });
  let server;
  try {
    server = await startDevServer({ persistTo });
  } catch (error) {
    cleanUp();
    throw error;
  }
  const stop = async () => {
    await server.stop();
    cleanUp();
  };
  try {
    const token = await signToken(server.secret, { subject: "local-admin", tenant: "local", caps: ["admin"], ttlSeconds: 3600, rps: 100_000 });
    await seedAgents(server.url, token);
    return { url: server.url, token, secret: server.secret, stop };
  } catch (error) {
    await stop();
    throw error;
  }
};
