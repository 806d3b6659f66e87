// What the agent runtime needs from its host: time, randomness, sleeping, ids,
// telemetry and logs. An object passes real ones; unit tests pass controlled ones.
import type { Logger } from "../telemetry/logger.ts";
import type { Telemetry } from "../telemetry/emitter.ts";

export type AgentIdentity = { tenant: string; id: string; type: string };

export type RuntimeDeps = {
  now: () => number;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  newId: () => string;
  telemetry: Telemetry;
  log: Logger;
};
