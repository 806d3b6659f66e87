// Why: the object names of a tenant's groups, of its group index, and the ids of a
// group's members. The tenant comes first from the token, so no name reaches another
// tenant's objects; a member id derives from the group and a sequence number, so a
// retried spawn of a member reaches the same agent.
export const groupObjectName = (tenant: string, group: string): string => `group/${tenant}/${group}`;
export const groupIndexName = (tenant: string): string => `groups/${tenant}`;
export const memberId = (group: string, seq: number): string => `${group}.m${seq}`;
/** The label every member carries, naming its group. */
export const GROUP_LABEL = "group";
