// How a coordinator reaches the agents of its run: calls with the run's credentials and
// the step's stable idempotency key, and spawning the agents it binds to roles.
import type { AgentSummary, AgentView } from "../../src/platform/agent/agent-meta.ts";
import { agentObjectName } from "../../src/platform/agent/naming.ts";
import { callDurable } from "../../src/platform/durable-call.ts";
import { ProblemError } from "../../src/platform/problem.ts";
import type { Caller } from "../../src/platform/security/caller.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import { traceCarrier } from "../../src/platform/telemetry/spans.ts";
import { typedStub } from "../durable/index.ts";
import { callProblem, unexecutedReason } from "../../src/platform/workflow/errors.ts";
import type { CallOutcome, Effect } from "../../src/platform/workflow/interpreter.ts";

export type RunAgents = { agents: Env["AGENTS"]; tenant: string; caller: Caller; telemetry: Telemetry };

const stub = (run: RunAgents, id: string) => typedStub(run.agents.get(run.agents.idFromName(agentObjectName(run.tenant, id))));

export const callForEffect = async (run: RunAgents, effect: Effect): Promise<CallOutcome> => {
  try {
    const outcome = await callDurable(
      `workflow.${effect.kind}`,
      () => stub(run, effect.agent).call({ tenant: run.tenant, id: effect.agent, trace: traceCarrier() }, run.caller, { action: effect.action, input: effect.input, idempotencyKey: effect.key, keyOrigin: "client" }),
      run.telemetry,
    );
    return { ok: true, output: outcome.output };
  } catch (error) {
    if (error instanceof ProblemError) return { ok: false, error: callProblem(error.problem), unexecuted: unexecutedReason(error.problem) };
    return { ok: false, error: { type: "unavailable", status: 503, detail: error instanceof Error ? error.message : String(error) } };
  }
};

/** Spawns (idempotently) an agent of `type` for the run. */
export const spawnForRun = (run: RunAgents, id: string, type: string): Promise<{ created: boolean; agent: AgentView | AgentSummary }> =>
  callDurable("workflow.spawn", () => stub(run, id).spawn({ tenant: run.tenant, id, trace: traceCarrier() }, run.caller, { type }), run.telemetry);
