// A real `wrangler dev` for the crash tests: started before the file's tests on a fresh
// state directory, killed (SIGKILL of its process group) and restarted on the same state
// when a test says so, stopped and its state deleted after them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { type DevServer, startDevServer } from "../../scripts/lib/dev-server.ts";

export type CrashServer = {
  /** The server now (after a restart, the new one). */
  current(): DevServer;
  kill(): Promise<void>;
  /** Starts the platform again on the state the killed one left. */
  restart(): Promise<void>;
};

export const useCrashServer = (name: string): CrashServer => {
  const persistTo = mkdtempSync(join(tmpdir(), `jido-e2e-${name}-`));
  const vars = { JIDO_JWT_SECRET: `e2e-${name}-secret-0123456789abcdef` };
  let server: DevServer | undefined;
  beforeAll(async () => {
    server = await startDevServer({ persistTo, vars });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(persistTo, { recursive: true, force: true });
  });
  return {
    current: () => server!,
    kill: async () => server!.kill(),
    restart: async () => {
      server = await startDevServer({ persistTo, vars });
    },
  };
};
