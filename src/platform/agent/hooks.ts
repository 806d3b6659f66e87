// Runs a lifecycle hook (onStart, onTerminate) within its time budget. A hook that
// throws or overruns is reported as a problem; onStart may return a new state, which
// is validated like an action's.
import type { AnyAgentDefinition } from "./define-agent.ts";
import { hookContext } from "./context.ts";
import type { PendingEvent } from "./pending-event.ts";
import type { AgentIdentity, RuntimeDeps } from "./runtime-deps.ts";
import { problem, ProblemError } from "../problem.ts";
import { TimeoutError, withTimeout } from "../timeout.ts";
import { fieldErrors } from "../zod-issues.ts";
import { errorKind } from "../telemetry/emitter.ts";
import { deepFreeze } from "../deep-freeze.ts";
import type { AgentConfig, ConfigChangeNotice } from "./agent-config.ts";

const TITLES = {
  onStart: ["The agent failed to start", "agent-start-failed", "start"],
  onTerminate: ["The agent's onTerminate hook failed", "agent-terminate-failed", "terminate"],
  onConfigChange: ["The agent's onConfigChange hook failed", "agent-config-change-failed", "config_change"],
} as const;

export type HookOutcome = { state: unknown; stateJson: string | undefined; events: PendingEvent[] };

export const runHook = async (
  hook: "onStart" | "onTerminate" | "onConfigChange",
  definition: AnyAgentDefinition,
  agent: AgentIdentity,
  state: unknown,
  budgetMs: number,
  deps: RuntimeDeps,
  config?: AgentConfig,
  change?: ConfigChangeNotice,
): Promise<HookOutcome> => {
  const fn = definition.hooks[hook];
  const events: PendingEvent[] = [];
  if (!fn) return { state, stateJson: undefined, events };
  const [title, slug, span] = TITLES[hook];
  const notice: ConfigChangeNotice = change ?? { version: 0, previousVersion: 0, changed: [] };
  let returned: unknown;
  try {
    returned = await deps.telemetry.span(`agent.${span}`, { tenant: agent.tenant, agent_type: agent.type }, () =>
      withTimeout(async (signal) => (fn as NonNullable<typeof definition.hooks.onConfigChange>).call(definition.hooks, hookContext(agent, state, signal, events, deps, config), notice), Math.max(1, budgetMs)),
    );
  } catch (error) {
    if (error instanceof ProblemError) throw error;
    const why = error instanceof TimeoutError ? `${hook} ${error.message}` : `${hook} raised ${errorKind(error)}`;
    deps.log.warn(`${hook} failed`, { agent_type: agent.type, error: error instanceof Error ? error.message : String(error) });
    throw problem(500, slug, title, `Agent '${agent.id}': ${why}.`);
  }
  const next = typeof returned === "object" && returned !== null && "state" in returned ? returned.state : undefined;
  if (next === undefined) return { state, stateJson: undefined, events };
  const parsed = definition.stateSchema.safeParse(next);
  if (!parsed.success) {
    throw problem(500, slug, title, `The state returned by ${hook} does not match the agent's state schema.`, {
      errors: fieldErrors(parsed.error.issues, "state"),
    });
  }
  return { state: deepFreeze(parsed.data), stateJson: JSON.stringify(parsed.data), events };
};
