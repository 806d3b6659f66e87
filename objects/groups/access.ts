// How the Worker reaches a tenant's groups: the tenant-scoped object names, a fresh stub
// per attempt, and the transient-fault retry of `callDurable` (every call here is
// idempotent: create by definition, route by key or harmless, destroy by id).
import { callDurable } from "../../src/platform/durable-call.ts";
import { groupIndexName, groupObjectName } from "../../src/platform/groups/naming.ts";
import type { CreateGroup, GroupSummary, GroupView } from "../../src/platform/groups/schemas.ts";
import type { Page, PaginationQuery } from "../../src/platform/pagination.ts";
import { notFound } from "../../src/platform/problem.ts";
import type { Caller } from "../../src/platform/security/caller.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import { typedStub } from "../durable/index.ts";

export type GroupBindings = { GROUPS: Env["GROUPS"]; GROUP_INDEX: Env["GROUP_INDEX"] };

const controller = (env: GroupBindings, tenant: string, group: string) => typedStub(env.GROUPS.get(env.GROUPS.idFromName(groupObjectName(tenant, group))));
const index = (env: GroupBindings, tenant: string) => typedStub(env.GROUP_INDEX.get(env.GROUP_INDEX.idFromName(groupIndexName(tenant))));

/** Records the group in the tenant's index (bounded there), then creates it and its first members. */
export const createGroup = async (env: GroupBindings, telemetry: Telemetry, tenant: string, request: CreateGroup, by: Caller): Promise<{ created: boolean; group: GroupView }> => {
  await callDurable("groups.index_add", () => index(env, tenant).add({ tenant }, { id: request.id, type: request.type, min: request.min, max: request.max }), telemetry);
  return callDurable("groups.create", () => controller(env, tenant, request.id).create({ tenant, group: request.id }, request, by), telemetry);
};

export const listGroups = (env: GroupBindings, telemetry: Telemetry, tenant: string, query: PaginationQuery): Promise<Page<GroupSummary>> =>
  callDurable("groups.list", () => index(env, tenant).list({ tenant }, query), telemetry);

export const viewGroup = (env: GroupBindings, telemetry: Telemetry, tenant: string, group: string): Promise<GroupView> =>
  callDurable("groups.view", () => controller(env, tenant, group).view({ tenant, group }), telemetry);

export const routeCall = (env: GroupBindings, telemetry: Telemetry, tenant: string, group: string, key: string | null, avoid: string[]): Promise<{ member: string }> =>
  callDurable("groups.route", () => controller(env, tenant, group).route({ tenant, group }, { key, avoid }), telemetry);

/** Stops and deletes the members and the group, then its index entry; 404 when neither knew it. */
export const deleteGroup = async (env: GroupBindings, telemetry: Telemetry, tenant: string, group: string): Promise<void> => {
  let existed = true;
  try {
    await callDurable("groups.destroy", () => controller(env, tenant, group).destroy({ tenant, group }), telemetry);
  } catch (error) {
    if (!(error instanceof Error && "status" in error && error.status === 404)) throw error;
    existed = false;
  }
  const entry = await callDurable("groups.index_remove", () => index(env, tenant).remove({ tenant }, group), telemetry);
  if (!existed && !entry.existed) throw notFound("Group", group);
};
