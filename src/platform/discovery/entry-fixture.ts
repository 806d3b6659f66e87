// A directory entry for the unit tests, with any field overridden.
import type { DirectoryEntry } from "./entry.ts";

export const entry = (over: Partial<DirectoryEntry> = {}): DirectoryEntry => ({
  id: "a1",
  type: "processor",
  version: "1.0.0",
  capabilities: { processing: ["orders", "payments"], region: "us" },
  labels: { region: "us", tier: "gold" },
  placement: { locationHint: null, jurisdiction: null },
  status: "running",
  breaker: "closed",
  load: { inFlight: 0, queueLength: 0, errorRate: 0, p50Ms: null, windowCalls: 0 },
  createdAt: 0,
  reportedAt: 0,
  revision: 1,
  ...over,
});
