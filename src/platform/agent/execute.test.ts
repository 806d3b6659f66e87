import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ProblemError } from "../problem.ts";
import { createCircuitBreaker } from "../resilience/circuit-breaker.ts";
import { createTelemetry, type TelemetryEvent } from "../telemetry/emitter.ts";
import { createLogger } from "../telemetry/logger.ts";
import { ActionError } from "./action-error.ts";
import { type AnyAgentDefinition, defineAgent } from "./define-agent.ts";
import { executeAction } from "./execute.ts";
import type { RuntimeDeps } from "./runtime-deps.ts";

const agent = defineAgent({
  name: "probe",
  version: "1.0.0",
  resilience: {
    circuitBreaker: { threshold: 2, resetTimeout: 1_000 },
    retry: { strategy: "exponential", maxAttempts: 3, baseDelay: 10, maxDelay: 100, jitter: "none" },
  },
  state: { schema: z.object({ n: z.number().int() }), initial: { n: 0 } },
  actions: (action) => ({
    step: action({
      input: z.object({ fail: z.enum(["none", "crash", "refuse", "flaky", "hang", "bad_event", "forged_event"]) }),
      output: z.object({ n: z.number() }),
      timeout: 20,
      run: async ({ fail }, ctx) => {
        if (fail === "crash") throw new Error("boom");
        if (fail === "refuse") throw new ActionError("nope", "refused");
        if (fail === "flaky" && ctx.attempt < 3) throw new ActionError("flaky", "again", { retryable: true });
        if (fail === "hang") await new Promise(() => undefined);
        ctx.emit(fail === "bad_event" ? "Bad Type!" : fail === "forged_event" ? "audit.denied" : "probe.stepped", { attempt: ctx.attempt });
        return { result: { n: ctx.state.n + 1 }, state: { n: ctx.state.n + 1 } };
      },
    }),
  }),
}) as unknown as AnyAgentDefinition;

const setup = () => {
  let clock = 1_000;
  const events: TelemetryEvent[] = [];
  const sleeps: number[] = [];
  const telemetry = createTelemetry(() => clock);
  telemetry.subscribe((event) => events.push(event));
  const deps: RuntimeDeps = {
    now: () => clock,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    newId: () => `id-${events.length}`,
    telemetry,
    log: createLogger({ level: "error", sink: () => undefined }),
  };
  const breaker = createCircuitBreaker({ threshold: 2, resetTimeoutMs: 1_000 }, { now: () => clock });
  const run = (fail: string) =>
    executeAction(agent, breaker, {
      agent: { tenant: "t", id: "a", type: "probe" },
      state: { n: 1 },
      actionName: "step",
      spec: agent.actions.step!,
      input: { fail },
      idempotencyKey: "k",
    }, deps);
  return { run, events, sleeps, breaker, advance: (ms: number) => (clock += ms) };
};

const problemOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(ProblemError);
  return (error as ProblemError).problem;
};

describe("executeAction", () => {
  it("returns the result, the new state and the events, with start/stop telemetry", async () => {
    const { run, events } = setup();
    const outcome = await run("none");
    expect(outcome.output).toEqual({ n: 2 });
    expect(outcome.next).toEqual({ state: { n: 2 }, json: '{"n":2}' });
    expect(Object.isFrozen(outcome.next?.state)).toBe(true);
    expect(outcome.events).toMatchObject([{ type: "probe.stepped", data: '{"attempt":1}', subject: null }]);
    expect(events.map((e) => e.name)).toEqual(["agent.action.start", "agent.action.stop"]);
    expect(events[1]?.measurements.duration_ms).toBe(0);
    expect(events[1]?.attributes).toEqual({ tenant: "t", agent_type: "probe", action: "step" });
  });

  it("retries retryable failures on the backoff schedule", async () => {
    const { run, sleeps, events } = setup();
    const outcome = await run("flaky");
    expect(outcome.attempts).toBe(3);
    expect(outcome.events).toHaveLength(1);
    expect(sleeps).toEqual([10, 20]);
    expect(events.filter((e) => e.name === "agent.action.retry")).toHaveLength(2);
  });

  it("answers a refusal with 422 and its code, without retrying or counting it", async () => {
    const { run, sleeps, breaker } = setup();
    const problem = await problemOf(run("refuse"));
    expect(problem).toMatchObject({ status: 422, extensions: { code: "nope" } });
    expect(sleeps).toEqual([]);
    expect(breaker.snapshot().failures).toBe(0);
  });

  it("counts crashes, opens the breaker at the threshold and refuses with Retry-After", async () => {
    const { run, breaker, events, advance } = setup();
    expect((await problemOf(run("crash"))).status).toBe(500);
    expect(events.some((e) => e.name === "agent.action.exception" && e.attributes.error === "Error")).toBe(true);
    await problemOf(run("crash"));
    expect(breaker.snapshot().state).toBe("open");
    const refused = await problemOf(run("none"));
    expect(refused).toMatchObject({ status: 503, retryAfter: 1 });
    expect(refused.type).toMatch(/circuit-open$/);
    advance(1_000);
    expect((await run("none")).output).toEqual({ n: 2 });
    expect(breaker.snapshot().state).toBe("closed");
  });

  it("times out a hanging attempt with 504 after retrying it", async () => {
    const { run } = setup();
    const problem = await problemOf(run("hang"));
    expect(problem).toMatchObject({ status: 504, extensions: { attempts: 3 } });
  });

  it("refuses an invalid event type without retrying", async () => {
    const { run, sleeps } = setup();
    const problem = await problemOf(run("bad_event"));
    expect(problem.type).toMatch(/action-event-invalid$/);
    expect(sleeps).toEqual([]);
  });

  it("refuses an event bound for a stream only the platform writes (the audit trail cannot be forged)", async () => {
    const { run } = setup();
    const problem = await problemOf(run("forged_event"));
    expect(problem).toMatchObject({ status: 500, detail: expect.stringContaining("stream 'audit', which only the platform writes") });
    expect(problem.type).toMatch(/action-event-invalid$/);
  });
});
