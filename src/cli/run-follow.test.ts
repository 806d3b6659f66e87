import { afterEach, describe, expect, it, vi } from "vitest";
import { type CloudEvent, JidoApiError, type RunView } from "../client/index.ts";
import { Failure } from "./failure.ts";
import { followRun, type RunSource } from "./run-follow.ts";

type Step = RunView["steps"][number];
const step = (name: string, status: Step["status"]): Step =>
  ({ name, kind: "step", status, attempts: status === "pending" ? 0 : 1, agent: null, durationMs: null, error: null, compensation: null }) as unknown as Step;
const view = (status: RunView["status"], a: Step["status"], b: Step["status"]): RunView =>
  ({ id: "run_1", workflow: "w", version: "1.0.0", status, steps: [step("a", a), step("b", b)] }) as unknown as RunView;
const event = (sequence: number): CloudEvent => ({ sequence, type: "workflow.step.started" }) as unknown as CloudEvent;

const START = view("running", "running", "pending");
const MIDDLE = view("running", "completed", "running");
const DONE = view("completed", "completed", "completed");

/** A source whose reads answer `views` in turn (the last one from then on), and whose watches are scripted. */
const source = (views: RunView[], watches: ((after: number | undefined) => AsyncIterable<CloudEvent>)[]) => {
  const calls = { reads: 0, watches: [] as (number | undefined)[] };
  const src: RunSource = {
    get: async () => views[Math.min(calls.reads++, views.length - 1)]!,
    watch: (_id, options) => {
      calls.watches.push(options.after);
      const next = watches[calls.watches.length - 1];
      if (!next) throw new Error("watched once too often");
      return next(options.after);
    },
  };
  return { src, calls };
};
async function* yields(...events: CloudEvent[]): AsyncGenerator<CloudEvent> {
  for (const e of events) yield e;
}
async function* drops(...events: CloudEvent[]): AsyncGenerator<CloudEvent> {
  yield* yields(...events);
  throw new TypeError("terminated");
}

const printed: string[] = [];
const options = { bar: false, quiet: false, retryMs: 1, timeoutMs: 60_000 };
vi.spyOn(process.stdout, "write").mockImplementation((chunk) => (printed.push(String(chunk).trimEnd()), true));
afterEach(() => void printed.splice(0));

describe("followRun", () => {
  it("reads the run once per transition and ends with the run's final view", async () => {
    const { src, calls } = source([MIDDLE, DONE], [() => yields(event(4), event(5), event(6))]);
    expect(await followRun(src, START, options)).toBe(DONE);
    expect(calls).toEqual({ reads: 2, watches: [undefined] });
    expect(printed).toEqual(["step a: running", "run run_1: running", "step a: completed", "step b: running", "step b: completed", "run run_1: completed"]);
  });

  it("after a dropped stream reads the run once, then watches again after the last transition seen", async () => {
    const { src, calls } = source([MIDDLE, MIDDLE, DONE], [() => drops(event(7)), () => yields(event(9))]);
    expect(await followRun(src, START, options)).toBe(DONE);
    expect(calls).toEqual({ reads: 3, watches: [undefined, 7] });
    // Each transition once, the reads in between changing nothing.
    expect(new Set(printed).size).toBe(printed.length);
  });

  it("a refused watch: the read decides; ended, its view; else the refusal", async () => {
    const refusal = new JidoApiError({ type: "about:blank", title: "Not Found", status: 404 });
    async function* refused(): AsyncGenerator<CloudEvent> {
      throw refusal;
    }
    expect(await followRun(source([DONE], [refused]).src, START, options)).toBe(DONE);
    await expect(followRun(source([MIDDLE], [refused]).src, START, options)).rejects.toBe(refusal);
  });

  it("a run still going at --timeout fails, saying it goes on", async () => {
    async function* quiet(_after: number | undefined, signal?: AbortSignal): AsyncGenerator<CloudEvent> {
      await new Promise((resolve) => signal?.addEventListener("abort", resolve));
    }
    const src: RunSource = { get: async () => START, watch: (_id, o) => quiet(o.after, o.signal) };
    await expect(followRun(src, START, { ...options, timeoutMs: 20 })).rejects.toThrow(new Failure("run run_1 is still running after 0.02 s (it goes on; jido runs get run_1)"));
  });
});
