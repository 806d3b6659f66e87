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
  ] as const)("%s on a %s agent: %s", (op, status, expected) => {
    expect(outcome(op, status)).toBe(expected);
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
