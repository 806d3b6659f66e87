// The frame around one benchmark: a fresh directory on tmpfs (/dev/shm) for the servers'
// persisted state and one under /tmp for their logs; and however the benchmark ends
// (return, throw, SIGINT / SIGTERM), its clients closed, every server started here
// stopped and the state removed (kept with BENCH_KEEP_STATE=1).
import { mkdtempSync, rmSync } from "node:fs";
import { installSignalCleanup, onSignalCleanup, stopAllServers } from "./servers.ts";

export type SessionDirs = { stateDir: string; logDir: string };

/**
 * Runs `body` with new directories named from `prefixes`; afterwards calls `closeClients`
 * (it closes whatever clients exist by then), stops the servers and removes the state.
 */
export const runSession = async <T>(
  prefixes: { state: string; logs: string },
  closeClients: () => void,
  body: (dirs: SessionDirs) => Promise<T>,
): Promise<T> => {
  installSignalCleanup();
  const stateDir = mkdtempSync(prefixes.state);
  const logDir = mkdtempSync(prefixes.logs);
  const removeState = () => {
    if (process.env.BENCH_KEEP_STATE === "1") console.log(`state kept in ${stateDir}`);
    else rmSync(stateDir, { recursive: true, force: true });
  };
  const forgetCleanup = onSignalCleanup(removeState);
  try {
    return await body({ stateDir, logDir });
  } finally {
    closeClients();
    await stopAllServers();
    forgetCleanup();
    removeState();
  }
};
