// Durable Object names of agents. The tenant is part of every name, so two tenants'
// agents with the same id are different objects; ids cannot contain '/', so the
// parts never run into each other.
export const agentObjectName = (tenant: string, id: string): string => `agent/${tenant}/${id}`;
