import { describe, expect, it } from "vitest";
import { ProblemError } from "../problem.ts";
import type { AgentStatus } from "./agent-meta.ts";
import { checkTransition, type LifecycleOp } from "./lifecycle.ts";

const outcome = (op: LifecycleOp, status: AgentStatus): string => {
  try {
    return checkTransition(op, "a1", status);
  } catch (error) {
    return error instanceof ProblemError ? String(error.status) : "threw";
  }
};

describe("checkTransition", () => {
  it.each([
    ["call", "running", "apply"],
    ["call", "paused", "409"],
    ["call", "stopped", "409"],
    ["call", "failed", "409"],
    ["pause", "running", "apply"],
    ["pause", "paused", "noop"],
    ["pause", "stopped", "409"],
    ["resume", "paused", "apply"],
    ["resume", "running", "noop"],
    ["resume", "stopped", "409"],
    ["stop", "running", "apply"],
    ["stop", "paused", "apply"],
    ["stop", "failed", "apply"],
    ["stop", "stopped", "noop"],
    ["start", "stopped", "apply"],
    ["start", "failed", "apply"],
    ["start", "running", "noop"],
    ["start", "paused", "409"],
    ["start", "stopping", "409"],
    ["start", "starting", "409"],
  ] as const)("%s on a %s agent: %s", (op, status, expected) => {
    expect(outcome(op, status)).toBe(expected);
  });

  it("tells a paused agent's caller to resume it rather than start it", () => {
    expect(() => checkTransition("start", "a1", "paused")).toThrow("Cannot start agent 'a1': it is paused; resume it first.");
  });

  it("names the status in the conflict", () => {
    try {
      checkTransition("call", "a1", "paused");
    } catch (error) {
      expect((error as ProblemError).problem).toMatchObject({ status: 409, extensions: { agentStatus: "paused" } });
      expect((error as ProblemError).problem.detail).toContain("is paused");
    }
  });
});
