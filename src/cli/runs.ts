// `jido runs`: list, get (status and every step with its agent, attempts and errors),
// cancel, and signal (a participant event for the run's awaits).
import type { Command } from "commander";
import type { RunStatus, RunSummary, RunView } from "../client/index.ts";
import { contextOf } from "./context.ts";
import { emit, keyValues, nextPage, table } from "./output.ts";
import { jsonValue, positiveInt } from "./parse.ts";

type Step = RunView["steps"][number];

const summaryColumns = [
  { header: "ID", value: (r: RunSummary) => r.id },
  { header: "WORKFLOW", value: (r: RunSummary) => `${r.workflow}@${r.version}` },
  { header: "STATUS", value: (r: RunSummary) => r.status },
  { header: "CREATED", value: (r: RunSummary) => r.createdAt },
  { header: "UPDATED", value: (r: RunSummary) => r.updatedAt },
];

const stepColumns = [
  { header: "STEP", value: (s: Step) => s.name },
  { header: "KIND", value: (s: Step) => s.kind },
  { header: "STATUS", value: (s: Step) => (s.compensation ? `${s.status}, compensation ${s.compensation.status}` : s.status) },
  { header: "ATTEMPTS", value: (s: Step) => s.attempts, align: "right" as const },
  { header: "AGENT", value: (s: Step) => s.agent },
  { header: "MS", value: (s: Step) => s.durationMs, align: "right" as const },
  { header: "ERROR", value: (s: Step) => s.error?.detail ?? null },
];

export const runText = (run: RunView): string =>
  keyValues([
    ["id", run.id],
    ["workflow", `${run.workflow}@${run.version}`],
    ["status", run.status],
    ["input", run.input],
    ...(run.failure ? [["failure", `${run.failure.type}${run.failure.step ? ` at ${run.failure.step}` : ""}: ${run.failure.detail}`] as const] : []),
    ["created", run.createdAt],
    ["updated", run.updatedAt],
  ]) + `\n${table(run.steps, stepColumns)}`;

export const runsCommand = (runs: Command): void => {
  runs.description("workflow runs: list, get, cancel, signal");

  runs
    .command("list")
    .description("list runs, newest first")
    .option("--workflow <name>", "only runs of this workflow")
    .option("--status <status>", "only runs in this status")
    .option("--limit <n>", "at most n", positiveInt)
    .option("--cursor <cursor>", "the page after this cursor")
    .action(async (options: { workflow?: string; status?: RunStatus; limit?: number; cursor?: string }, command: Command) => {
      const ctx = contextOf(command);
      emit(ctx.json, await ctx.client().runs.list(options), (p) => table(p.items, summaryColumns) + nextPage(p.next));
    });

  runs
    .command("get")
    .description("a run: status, input, every step with its agent, attempts, timing and error")
    .argument("<id>", "the run's id")
    .action(async (id: string, _options: object, command: Command) => {
      const ctx = contextOf(command);
      emit(ctx.json, await ctx.client().runs.get(id), runText);
    });

  runs
    .command("cancel")
    .description("cancel a run: compensates what it did (409 once it has ended)")
    .argument("<id>", "the run's id")
    .action(async (id: string, _options: object, command: Command) => {
      const ctx = contextOf(command);
      emit(ctx.json, await ctx.client().runs.cancel(id), (run) => `run ${run.id}: ${run.status}\n`);
    });

  runs
    .command("signal")
    .description("send a participant event to a run's await")
    .argument("<id>", "the run's id")
    .argument("<type>", "the event's type, e.g. order.approved")
    .argument("[data]", "the event's data (JSON)", jsonValue)
    .option("--role <role>", "the participant role sending it")
    .action(async (id: string, type: string, data: unknown, options: { role?: string }, command: Command) => {
      const ctx = contextOf(command);
      const outcome = await ctx.client().runs.signal(id, { type, ...(options.role ? { role: options.role } : {}), ...(data === undefined ? {} : { data }) });
      emit(ctx.json, outcome, (o) => `${o.status} to await ${o.await}; run ${o.run.id}: ${o.run.status}\n`);
    });
};
