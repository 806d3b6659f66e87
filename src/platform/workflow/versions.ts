// Picking a workflow version: an exact one when asked, else the highest by semantic
// version across the deployment's built-in workflows and the tenant's registered ones.
import type { WorkflowDefinition } from "./definition.ts";

const parts = (version: string): number[] => version.split(".").map(Number);

export const compareVersions = (a: string, b: string): number => {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
};

export const pickVersion = (candidates: readonly WorkflowDefinition[], version?: string): WorkflowDefinition | undefined => {
  if (version !== undefined) return candidates.find((definition) => definition.version === version);
  return [...candidates].sort((a, b) => compareVersions(b.version, a.version))[0];
};
