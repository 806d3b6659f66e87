// `jido workflows`: list, get, register from a JSON file, and run, optionally waiting
// (--wait) while printing each step's transitions as they happen (followed live:
// run-follow.ts), with a bar of finished steps on a terminal. A run that ends other than
// completed exits 1.
import type { Command } from "commander";
import type { WorkflowDefinition, WorkflowDefinitionInput } from "../platform/workflow/definition.ts";
import { contextOf } from "./context.ts";
import { Failure } from "./failure.ts";
import { emit, json, keyValues, nextPage, prettyJson, table } from "./output.ts";
import { jsonFile, jsonObject, positiveInt } from "./parse.ts";
import { followRun } from "./run-follow.ts";
import { runText } from "./runs.ts";

const columns = [
  { header: "NAME", value: (w: WorkflowDefinition) => w.name },
  { header: "VERSION", value: (w: WorkflowDefinition) => w.version },
  { header: "ROLES", value: (w: WorkflowDefinition) => Object.keys(w.participants).join(",") },
  { header: "DESCRIPTION", value: (w: WorkflowDefinition) => w.description || null },
];

type RunOptions = { input?: Record<string, unknown>; inputFile?: unknown; version?: string; key?: string; wait?: boolean; interval: number; timeout: number };

export const workflowsCommand = (workflows: Command): void => {
  workflows.description("workflows: list, get, register, run");

  workflows
    .command("list")
    .description("list workflows (built-in and registered), every version")
    .option("--limit <n>", "at most n", positiveInt)
    .option("--cursor <cursor>", "the page after this cursor")
    .action(async (options: { limit?: number; cursor?: string }, command: Command) => {
      const ctx = contextOf(command);
      emit(ctx.json, await ctx.client().workflows.list(options), (p) => table(p.items, columns) + nextPage(p.next));
    });

  workflows
    .command("get")
    .description("a workflow: its versions and latest definition")
    .argument("<name>", "the workflow's name")
    .action(async (name: string, _options: object, command: Command) => {
      const ctx = contextOf(command);
      emit(ctx.json, await ctx.client().workflows.get(name), (w) => keyValues([["name", w.name], ["versions", w.versions.join(", ")]]) + prettyJson(w.latest));
    });

  workflows
    .command("register")
    .description("register a workflow definition from a JSON file (checked against the deployed agent types)")
    .argument("<file>", "the definition ('-' for stdin)", jsonFile)
    .action(async (definition: unknown, _options: object, command: Command) => {
      const ctx = contextOf(command);
      // The platform validates the definition (400 naming the path).
      const registered = await ctx.client().workflows.register(definition as WorkflowDefinitionInput);
      emit(ctx.json, registered, (w) => `registered ${w.name}@${w.version}\n`);
    });

  workflows
    .command("run")
    .description("start a run; --wait follows it to its end, printing each step's transition")
    .argument("<name>", "the workflow's name")
    .argument("[input]", "the run's input (a JSON object)", jsonObject)
    .option("--input-file <file>", "the run's input from a JSON file ('-' for stdin)", jsonFile)
    .option("--version <version>", "run this version (default: the latest)")
    .option("--key <idempotency-key>", "Idempotency-Key: the same key and input answer the same run")
    .option("-w, --wait", "wait until the run ends; exit 1 unless it completed")
    .option("--interval <ms>", "with --wait, the pause before following again after a dropped connection", positiveInt, 500)
    .option("--timeout <seconds>", "stop waiting after this long (the run goes on)", positiveInt, 600)
    .action(async (name: string, input: Record<string, unknown> | undefined, options: RunOptions, command: Command) => {
      const ctx = contextOf(command);
      const client = ctx.client();
      const body = (options.inputFile ?? input ?? {}) as Record<string, unknown>;
      const started = await client.workflows.start(name, body, {
        ...(options.version ? { version: options.version } : {}),
        ...(options.key ? { idempotencyKey: options.key } : {}),
      });
      if (!options.wait) return emit(ctx.json, started, (run) => `${run.id}\n`);
      const run = await followRun(client.runs, started, {
        bar: ctx.progress,
        quiet: ctx.json,
        retryMs: options.interval,
        timeoutMs: options.timeout * 1000,
      });
      if (ctx.json) process.stdout.write(json(run));
      else if (run.status !== "completed") process.stdout.write(runText(run));
      if (run.status !== "completed") throw new Failure(`run ${run.id} ended ${run.status}${run.failure ? `: ${run.failure.detail}` : ""}`);
    });
};
