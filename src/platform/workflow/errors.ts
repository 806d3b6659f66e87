// How a failed agent call is described in a run: its error type (the agent's
// ActionError code, or the problem's slug, or `timeout`), status and detail. The
// workflow's `on_error` rules are keyed on the type.
import type { Problem } from "../problem.ts";

export type AgentCallProblem = { type: string; status: number; detail: string };

export const callProblem = (problem: Problem): AgentCallProblem => {
  const code = problem.extensions?.code;
  return {
    type: typeof code === "string" ? code : problem.type.slice(problem.type.lastIndexOf("/") + 1),
    status: problem.status,
    detail: problem.detail ?? problem.title,
  };
};

export const timeoutProblem = (what: string, ms: number): AgentCallProblem => ({ type: "timeout", status: 504, detail: `${what} did not finish within ${ms} ms` });
