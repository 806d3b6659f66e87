// Why: the object names of a tenant's pools and of its pool index. The tenant comes
// first from the token, so no name reaches another tenant's objects.
export const poolObjectName = (tenant: string, pool: string): string => `pool/${tenant}/${pool}`;
export const poolIndexName = (tenant: string): string => `pools/${tenant}`;

/** The requester a pool sees: derived from the caller, never from the request body. */
export const principalRequester = (subject: string): string => `sub:${subject}`;
export const agentRequester = (agentId: string): string => `agent:${agentId}`;
