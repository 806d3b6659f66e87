// Which failed calls prove the agent did not execute (and so may move to another agent).
import { describe, expect, it } from "vitest";
import { conflict, notFound, problem } from "../problem.ts";
import { unexecutedReason } from "./errors.ts";

describe("unexecutedReason", () => {
  it("names the refusals that happen before an action runs", () => {
    expect(unexecutedReason(problem(503, "circuit-open", "open", "refused", { retryAfter: 3 }).problem)).toBe("circuit_open");
    expect(unexecutedReason(problem(429, "bulkhead-full", "full", "full").problem)).toBe("bulkhead_full");
    expect(unexecutedReason(notFound("Agent", "a1").problem)).toBe("not_found");
    expect(unexecutedReason(conflict("paused", { agentStatus: "paused" }).problem)).toBe("agent_paused");
    expect(unexecutedReason(conflict("stopped", { agentStatus: "stopped" }).problem)).toBe("agent_stopped");
  });

  it("answers null for what may have had its effect: a transport failure, a timeout, an action's own error, another conflict", () => {
    expect(unexecutedReason(problem(503, "temporarily-unavailable", "busy", "busy").problem)).toBeNull();
    expect(unexecutedReason(problem(504, "timeout", "timeout", "slow").problem)).toBeNull();
    expect(unexecutedReason(problem(422, "action-error", "failed", "no", { extensions: { code: "payment_failed" } }).problem)).toBeNull();
    expect(unexecutedReason(conflict("busy").problem)).toBeNull();
    expect(unexecutedReason(conflict("running", { agentStatus: "running" }).problem)).toBeNull();
  });
});
