// Durable Object names for workflows: one registry per tenant, one coordinator per run.
export const workflowRegistryName = (tenant: string): string => `workflows/${tenant}`;
export const runObjectName = (tenant: string, runId: string): string => `run/${tenant}/${runId}`;
