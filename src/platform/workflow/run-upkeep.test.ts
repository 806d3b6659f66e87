import { describe, expect, it } from "vitest";
import { nextWakeUp } from "./interpreter.ts";
import { define, P, Run, s, T0 } from "./interpreter-fixtures.ts";
import { runShardCount, runShardOf } from "./run-shards.ts";
import { isSettled, passDeadlines, PUBLISH_RETRY_MS, runHomeShard, WATCHDOG_MS } from "./run-upkeep.ts";

const running = () => new Run(define([s("a", { timeout: 60_000 })]), P);
const ended = () => running().ok("a");

describe("a run's upkeep", () => {
  it("is settled only once it ended, its final status is indexed and no event waits", () => {
    const run = ended();
    expect(run.state.status).toBe("completed");
    expect(isSettled({ state: run.state, indexedStatus: "completed", pendingEvents: 0 })).toBe(true);
    expect(isSettled({ state: run.state, indexedStatus: "running", pendingEvents: 0 })).toBe(false);
    expect(isSettled({ state: run.state, indexedStatus: "completed", pendingEvents: 1 })).toBe(false);
    expect(isSettled({ state: running().state, indexedStatus: "running", pendingEvents: 0 })).toBe(false);
  });

  it("asks for the run's deadline, the watchdog while calls run, and a retry while anything is unpublished", () => {
    const run = running();
    const now = T0 + 10;
    expect(passDeadlines({ state: run.state, indexedStatus: "running", pendingEvents: 0 }, 0, now)).toEqual([nextWakeUp(run.state), null, null]);
    expect(nextWakeUp(run.state)).not.toBeNull();
    expect(passDeadlines({ state: run.state, indexedStatus: "running", pendingEvents: 0 }, 2, now)[1]).toBe(now + WATCHDOG_MS);
    expect(passDeadlines({ state: run.state, indexedStatus: null, pendingEvents: 0 }, 0, now)[2]).toBe(now + PUBLISH_RETRY_MS);
    expect(passDeadlines({ state: run.state, indexedStatus: "running", pendingEvents: 3 }, 0, now)[2]).toBe(now + PUBLISH_RETRY_MS);
  });

  it("needs no watchdog nor deadline once the run ended", () => {
    const run = ended();
    expect(passDeadlines({ state: run.state, indexedStatus: "completed", pendingEvents: 0 }, 1, T0)).toEqual([null, null, null]);
  });

  it("keeps the shard a run was indexed in, else hashes its id over the deployment's count", () => {
    expect(runHomeShard(5, "r1", "2")).toBe(5);
    expect(runHomeShard(undefined, "r1", "4")).toBe(runShardOf("r1", 4));
    expect(runHomeShard("registry", "r1", undefined)).toBe(runShardOf("r1", runShardCount(undefined)));
  });
});
