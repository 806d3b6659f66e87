// `jido bench`: a quick load against the platform at --url: N calls of one action at
// concurrency C, with a progress bar on a terminal, then req/s and p50/p99 latency. Each
// call is a real request with the token's rate limit (429s are counted by status).
import type { Command } from "commander";
import { JidoApiError } from "../client/index.ts";
import { type BenchSummary, summarize } from "./bench-stats.ts";
import { contextOf } from "./context.ts";
import { Failure } from "./failure.ts";
import { emit, keyValues } from "./output.ts";
import { jsonObject, positiveInt } from "./parse.ts";
import { progress } from "./progress.ts";

type BenchOptions = { requests: number; concurrency: number; input?: Record<string, unknown> };

const summaryText = (s: BenchSummary): string =>
  keyValues([
    ["requests", `${s.requests} (${s.ok} ok, ${s.failed} failed)`],
    ["statuses", Object.entries(s.statuses).map(([status, n]) => `${status}: ${n}`).join(", ")],
    ["seconds", s.seconds],
    ["req/s", s.rps],
    ["p50 ms", s.p50Ms],
    ["p99 ms", s.p99Ms],
    ["max ms", s.maxMs],
  ]);

export const benchCommand = (bench: Command): void => {
  bench
    .description("call an agent's action N times at concurrency C; prints req/s and p50/p99 latency")
    .argument("<agent>", "the agent's id")
    .argument("<action>", "the action's name")
    .option("-n, --requests <n>", "how many calls", positiveInt, 100)
    .option("-c, --concurrency <c>", "calls under way at once", positiveInt, 10)
    .option("--input <json>", "the action's input (default {})", jsonObject)
    .action(async (agent: string, action: string, options: BenchOptions, command: Command) => {
      const ctx = contextOf(command);
      const client = ctx.client();
      const samples: { ms: number; status: string }[] = [];
      let firstProblem: JidoApiError | Error | undefined;
      const bar = progress(ctx.progress, "calls", options.requests);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < options.requests) {
          next++;
          const started = performance.now();
          let status = "200";
          try {
            await client.agents.call(agent, action, options.input ?? {});
          } catch (error) {
            if (!(error instanceof Error)) throw error;
            status = error instanceof JidoApiError ? String(error.status) : "error";
            firstProblem ??= error;
          }
          samples.push({ ms: performance.now() - started, status });
          bar.update(samples.length);
        }
      };
      const begin = performance.now();
      try {
        await Promise.all(Array.from({ length: Math.min(options.concurrency, options.requests) }, worker));
      } finally {
        bar.stop();
      }
      const summary = summarize(samples, performance.now() - begin);
      emit(ctx.json, summary, summaryText);
      if (summary.ok === 0 && firstProblem) throw firstProblem;
      if (summary.ok === 0) throw new Failure("no call succeeded");
    });
};
