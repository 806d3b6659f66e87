// What routes receive from the app that builds them.
import type { AgentRegistry } from "../platform/agent/registry.ts";
import type { Telemetry } from "../platform/telemetry/emitter.ts";
import type { Logger } from "../platform/telemetry/logger.ts";
import type { AgentCatalog } from "../platform/workflow/catalog.ts";
import type { WorkflowDefinition } from "../platform/workflow/definition.ts";

export type ApiDeps = {
  registry: AgentRegistry;
  /** The agent types as workflows see them (actions and their output fields, capabilities). */
  catalog: AgentCatalog;
  /** Workflows built into this deployment, runnable by every tenant. */
  workflows: readonly WorkflowDefinition[];
  telemetry: Telemetry;
  log: Logger;
};
