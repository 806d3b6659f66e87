import { describe, expect, it } from "vitest";
import { advance, newRun } from "./interpreter.ts";
import { define, P, s, T0 } from "./interpreter-fixtures.ts";
import { isBlankStep, withBlankSteps } from "./run-steps.ts";

const flow = define([{ parallel: [[s("a")], [s("b")]] }, { await: "approved", role: "p", event: "order.approved" }, s("c")]);
const start = () => newRun(flow, { id: "r1", tenant: "t", input: {}, bindings: P }, T0);

describe("step records not stored while blank", () => {
  it("tells a new run's records from those its first transition changed", () => {
    const first = advance(flow, start(), T0).state;
    expect(Object.values(first.steps).filter((r) => !isBlankStep(r)).map((r) => r.name)).toEqual(["a", "b"]);
    expect(isBlankStep({ ...start().steps.c!, retryAt: T0 })).toBe(false);
    expect(isBlankStep({ ...start().steps.c!, selection: null })).toBe(false);
  });

  it("loads the stored records with the blank ones filled in, in flow order, equal to the state stored", () => {
    const first = advance(flow, start(), T0).state;
    const stored = Object.fromEntries(Object.values(first.steps).filter((r) => !isBlankStep(r)).reverse().map((r) => [r.name, r]));
    const loaded = withBlankSteps(flow, stored);
    expect(loaded).toEqual(first.steps);
    expect(Object.keys(loaded)).toEqual(["a", "b", "approved", "c"]);
    expect(loaded.approved!.kind).toBe("await");
  });

  it("keeps every record of a run stored before (all rows), and one the definition does not name", () => {
    const all = start().steps;
    expect(withBlankSteps(flow, all)).toEqual(all);
    const extra = { ...all.a!, name: "gone" };
    expect(withBlankSteps(flow, { ...all, gone: extra }).gone).toBe(extra);
  });
});
