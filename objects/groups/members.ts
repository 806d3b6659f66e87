// How a group controller reaches its members: spawn (idempotent by member id), start a
// retired one again, stop, and read its load. Members are ordinary agents in the
// tenant's namespace, acted on with the rights of the caller who created the group.
import type { AgentLoad, AgentStub } from "../agent/index.ts";
import { typedStub } from "../durable/index.ts";
import { callDurable } from "../../src/platform/durable-call.ts";
import { agentObjectName } from "../../src/platform/agent/naming.ts";
import { GROUP_LABEL } from "../../src/platform/groups/naming.ts";
import { LOAD_POLL_TIMEOUT_MS } from "../../src/platform/groups/limits.ts";
import type { Caller } from "../../src/platform/security/caller.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import type { GroupRecord } from "./group-store.ts";

export type MemberOps = ReturnType<typeof memberOps>;

export const memberOps = (agents: Env["AGENTS"], record: GroupRecord, telemetry: Telemetry) => {
  const { tenant, config, caller } = record;
  const stub = (id: string): AgentStub => typedStub(agents.get(agents.idFromName(agentObjectName(tenant, id))));
  const at = (id: string) => ({ tenant, id });
  const as: Caller = caller;
  return {
    spawn: (id: string) =>
      callDurable("group.spawn", () => stub(id).spawn(at(id), as, { type: config.type, labels: { ...config.labels, [GROUP_LABEL]: config.id } }), telemetry),
    start: (id: string) => callDurable("group.start", () => stub(id).start(at(id), as), telemetry),
    stop: (id: string) => callDurable("group.stop", () => stub(id).stop(at(id), as), telemetry),
    destroy: (id: string) => callDurable("group.destroy", () => stub(id).destroy(at(id), as), telemetry),
    /** The member's load, or null when it could not be read in time (it counts as unhealthy then). */
    load: async (id: string): Promise<AgentLoad | null> => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const timeout = new Promise<null>((resolve) => {
          timer = setTimeout(() => resolve(null), LOAD_POLL_TIMEOUT_MS);
        });
        const result = await Promise.race([stub(id).load(at(id)), timeout]);
        return result === null || !result.ok ? null : result.value;
      } catch {
        return null;
      } finally {
        clearTimeout(timer);
      }
    },
  };
};
