import { describe, expect, it } from "vitest";
import { z } from "zod";
import { counterAgent } from "../../agents/counter.ts";
import { dataProcessorAgent } from "../../agents/data-processor/agent.ts";
import { type ActionFactory, AgentDefinitionError, defineAgent } from "./define-agent.ts";

const base = () => ({
  name: "sample",
  version: "1.0.0",
  state: { schema: z.object({ n: z.number() }), initial: { n: 0 } },
  actions: (action: ActionFactory<{ n: number }>) => ({
    noop: action({ input: z.object({}), output: z.object({}), run: () => ({ result: {} }) }),
  }),
});

const failure = (spec: unknown): AgentDefinitionError => {
  try {
    defineAgent(spec as Parameters<typeof defineAgent>[0]);
  } catch (error) {
    if (error instanceof AgentDefinitionError) return error;
    throw error;
  }
  throw new Error("the definition was accepted");
};

describe("defineAgent", () => {
  it("normalises the seed's DataProcessor declaration", () => {
    expect(dataProcessorAgent.resources).toEqual({
      memoryBytes: 512 * 1024 ** 2,
      memory: "512MB",
      cpuCores: 2,
      storageBytes: 10 * 1024 ** 3,
      storage: "10GB",
    });
    expect(dataProcessorAgent.lifecycle).toEqual({ startupTimeout: 30_000, shutdownGracePeriod: 60_000 });
    expect(dataProcessorAgent.resilience.circuitBreaker).toMatchObject({ threshold: 5, resetTimeout: 30_000 });
    expect(dataProcessorAgent.resilience.retry).toMatchObject({ strategy: "exponential", maxAttempts: 3 });
    expect(dataProcessorAgent.resilience.bulkhead.maxConcurrent).toBe(100);
    expect(dataProcessorAgent.observability).toEqual({ metrics: ["throughput", "latency", "error_rate"], tracing: { sampleRate: 0.1 }, logLevel: "info" });
    expect(Object.keys(dataProcessorAgent.actions)).toEqual(["process_stream"]);
  });

  it("fills defaults for omitted sections", () => {
    const agent = defineAgent(base());
    expect(agent.resilience.retry).toEqual({ strategy: "exponential", maxAttempts: 3, baseDelay: 100, maxDelay: 2000, jitter: "full" });
    expect(agent.resilience.bulkhead).toEqual({ maxConcurrent: 100, maxQueue: 100 });
    expect(agent.resources).toEqual({ memoryBytes: null, memory: null, cpuCores: null, storageBytes: null, storage: null });
    expect(counterAgent.initialState).toEqual({ value: 0 });
  });

  it.each([
    [{ name: "Bad Name" }, "name"],
    [{ version: "one" }, "version"],
    [{ resources: { memory: "lots" } }, "resources.memory"],
    [{ resources: { cpu: -1 } }, "resources.cpu"],
    [{ resilience: { circuitBreaker: { threshold: 0 } } }, "resilience.circuitBreaker.threshold"],
    [{ resilience: { retry: { strategy: "random" } } }, "resilience.retry.strategy"],
    [{ resilience: { retry: { baseDelay: 500, maxDelay: 10 } } }, "resilience.retry.maxDelay"],
    [{ resilience: { bulkhead: { maxConcurrent: 0 } } }, "resilience.bulkhead.maxConcurrent"],
    [{ lifecycle: { startupTimeout: -5 } }, "lifecycle.startupTimeout"],
    [{ lifecycle: { onStart: "init" } }, "lifecycle.onStart"],
    [{ observability: { tracing: { sampleRate: 2 } } }, "observability.tracing.sampleRate"],
    [{ resiliance: {} }, "resiliance"],
    [{ state: { schema: z.object({ n: z.number() }), initial: { n: "zero" } } }, "state.initial.n"],
    [{ state: { schema: {}, initial: {} } }, "state.schema"],
  ])("refuses %j, naming %s", (override, path) => {
    const error = failure({ ...base(), ...override });
    expect(error.path).toBe(path);
    expect(error.message).toContain(path);
  });

  it("refuses bad actions, naming the action", () => {
    expect(failure({ ...base(), actions: () => ({}) }).path).toBe("actions");
    expect(failure({ ...base(), actions: () => ({ "Do-It": { input: z.object({}), output: z.object({}), run: () => ({ result: {} }) } }) }).path).toBe("actions.Do-It");
    expect(failure({ ...base(), actions: () => ({ go: { input: {}, output: z.object({}), run: () => ({ result: {} }) } }) }).path).toBe("actions.go.input");
    expect(failure({ ...base(), actions: () => ({ go: { input: z.object({}), output: z.object({}) } }) }).path).toBe("actions.go.run");
    expect(failure({ ...base(), actions: () => ({ go: { input: z.object({}), output: z.object({}), run: () => ({ result: {} }), timeout: 0 } }) }).path).toBe("actions.go.timeout");
  });
});
