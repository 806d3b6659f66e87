// The definition a run starts, found without asking the tenant's one WorkflowRegistry
// object each time: this isolate's memory first (definition-cache.ts), then the tiered
// cache (L1/L2/L3/origin, objects/cache), then the registry. `name@version` is immutable:
// read `eventual`, kept a day. The list of a workflow's versions (behind "latest") is
// read `bounded` at VERSIONS_MAX_STALENESS_MS, and invalidated when a version is
// registered, so a start without a version runs the newest version at most that long
// after it was registered. A version that is not found is never cached.
import type { Context } from "hono";
import { type Background, cachedRead, cachedReadAged, cacheInvalidate } from "../../objects/cache/index.ts";
import { notFound, problem } from "../platform/problem.ts";
import { createDefinitionCache, DEFAULT_DEFINITION_CACHE } from "../platform/workflow/definition-cache.ts";
import type { WorkflowDefinition } from "../platform/workflow/definition.ts";
import { compareVersions, pickVersion } from "../platform/workflow/versions.ts";
import { createLogger } from "../platform/telemetry/logger.ts";
import type { Telemetry } from "../platform/telemetry/emitter.ts";
import type { AppEnv } from "../env.ts";
import { versionsOf } from "./workflow-access.ts";

/** How old the list behind "latest" may be, through every layer. */
export const VERSIONS_MAX_STALENESS_MS = DEFAULT_DEFINITION_CACHE.versionsTtlMs;
const DEFINITIONS = "_wf.def";
const VERSIONS = "_wf.versions";
/** The list's cache entry lives this long: the backstop should an invalidation after a registration fail (logged). */
const VERSIONS_TTL_SECONDS = 60;

const log = createLogger({ base: { component: "workflows" } });

const versionNotFound = (name: string, version: string, versions: readonly WorkflowDefinition[]) =>
  problem(404, "not-found", "Workflow version not found", `No version '${version}' of workflow '${name}' exists; its versions: ${versions.map((w) => w.version).sort(compareVersions).join(", ")}.`);

const background = (c: Context<AppEnv>, telemetry: Telemetry): Background => ({
  telemetry,
  waitUntil: (promise) => {
    try {
      c.executionCtx.waitUntil(promise);
    } catch {
      // No execution context (an in-process app.request): the promise runs on its own.
      void promise;
    }
  },
});

export const definitionLookup = (telemetry: Telemetry, builtins: readonly WorkflowDefinition[]) => {
  const memory = createDefinitionCache();
  return {
    /** The definition a run starts: `name@version`, or the latest version when none is given. */
    async find(c: Context<AppEnv>, name: string, version: string | undefined): Promise<WorkflowDefinition> {
      const tenant = c.get("tenant");
      const held = version === undefined ? pickVersion(memory.versions(tenant, name, Date.now()) ?? []) : memory.definition(tenant, name, version);
      if (held) return held;
      let versions: readonly WorkflowDefinition[] | undefined;
      const load = async () => (versions = await versionsOf(c, telemetry, builtins, name));
      if (version !== undefined) {
        const found = await cachedRead<WorkflowDefinition>(c.env, tenant, DEFINITIONS, `${name}@${version}`, {}, background(c, telemetry), async () => pickVersion(await load(), version));
        if (found) {
          memory.keep(tenant, found);
          return found;
        }
        // Not found: `versions` is what the registry answered (or is read now, for the message).
        const all = versions ?? (await load());
        throw all.length === 0 ? notFound("Workflow", name) : versionNotFound(name, version, all);
      }
      const list = await cachedReadAged<WorkflowDefinition[]>(
        c.env, tenant, VERSIONS, name,
        { consistency: "bounded", maxStalenessMs: VERSIONS_MAX_STALENESS_MS, ttlSeconds: VERSIONS_TTL_SECONDS },
        background(c, telemetry), load,
      );
      memory.remember(tenant, name, list.value ?? [], list.asOf);
      const latest = pickVersion(list.value ?? []);
      if (!latest) throw notFound("Workflow", name);
      return latest;
    },

    /** A version of `name` was registered: this isolate reads the list again now, others within the bound. */
    async registered(c: Context<AppEnv>, name: string): Promise<void> {
      const tenant = c.get("tenant");
      memory.forgetVersions(tenant, name);
      try {
        await cacheInvalidate(c.env, tenant, VERSIONS, name, background(c, telemetry));
      } catch (error) {
        telemetry.emit("workflows.invalidate_failed", { count: 1 }, { tenant });
        log.error("a version was registered but the cached list of versions was not invalidated; other isolates may start the previous latest until the entry expires", {
          tenant, workflow: name, ttlSeconds: VERSIONS_TTL_SECONDS, error: error instanceof Error ? error.message : String(error),
        });
      }
    },
  };
};
