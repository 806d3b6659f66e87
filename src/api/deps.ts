// What routes receive from the app that builds them.
import type { AgentRegistry } from "../platform/agent/registry.ts";
import type { Telemetry } from "../platform/telemetry/emitter.ts";
import type { Logger } from "../platform/telemetry/logger.ts";

export type ApiDeps = { registry: AgentRegistry; telemetry: Telemetry; log: Logger };
