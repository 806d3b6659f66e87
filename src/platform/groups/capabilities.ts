// Why: the capabilities that guard groups, named once for the routes and tests.
export const GROUPS_ADMIN = "groups:admin";
export const GROUPS_READ = "groups:read";
/** Call the group's actions (the member then checks agents:call:<type>.<action> as a direct call would). */
export const groupCallCapability = (group: string): string => `groups:call:${group}`;
export const groupResource = (group: string): string => `group/${group}`;
