// `jido agents`: list (the directory), get, spawn, call, the lifecycle verbs, delete,
// checkpoint (to stdout or a file) and restore (from a file or stdin).
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import type { AgentView, EntryView } from "../client/index.ts";
import type { Checkpoint } from "../platform/agent/checkpoint.ts";
import { contextOf } from "./context.ts";
import { emit, keyValues, nextPage, prettyJson, table } from "./output.ts";
import { jsonFile, jsonObject, jsonValue, label, positiveInt } from "./parse.ts";

const labelsText = (labels: Record<string, string> | undefined): string =>
  Object.entries(labels ?? {}).map(([name, value]) => `${name}=${value}`).join(",");

const entryColumns = [
  { header: "ID", value: (e: EntryView) => e.id },
  { header: "TYPE", value: (e: EntryView) => e.type },
  { header: "STATUS", value: (e: EntryView) => e.status },
  { header: "LABELS", value: (e: EntryView) => labelsText(e.labels) || null },
  { header: "IN-FLIGHT", value: (e: EntryView) => e.load.inFlight, align: "right" as const },
  { header: "P50-MS", value: (e: EntryView) => e.load.p50Ms, align: "right" as const },
];

/** An agent for a human; a caller without agents:read:<type> is answered only {id, status}. */
export const agentText = (agent: AgentView | { id: string; status: string }): string =>
  "type" in agent
    ? keyValues([
        ["id", agent.id],
        ["type", `${agent.type}@${agent.version}`],
        ["status", agent.status],
        ["state", agent.state],
        ["calls", `${agent.counters.calls} (${agent.counters.failures} failed)`],
        ["breaker", agent.breaker.state],
        ["labels", labelsText(agent.labels) || null],
        ["created", agent.createdAt],
        ["updated", agent.updatedAt],
      ])
    : keyValues([["id", agent.id], ["status", agent.status]]);

export const agentsCommand = (agents: Command): void => {
  agents.description("spawn, call, list and manage agents");

  agents
    .command("list")
    .description("list agents from the directory, by id")
    .option("--type <type>", "only agents of this type")
    .option("--status <status>", "only agents in this status (running, paused, stopped, failed, ...)")
    .option("--capability <name>", "only agents whose type declares this capability")
    .option("--label <name=value>", "only agents with this label (repeatable)", label)
    .option("--limit <n>", "at most n agents", positiveInt)
    .option("--cursor <cursor>", "the page after this cursor")
    .action(async (options: { type?: string; status?: AgentView["status"]; capability?: string; label?: Record<string, string>; limit?: number; cursor?: string }, command: Command) => {
      const ctx = contextOf(command);
      const { label: labels, ...query } = options;
      const page = await ctx.client().agents.list({ ...query, ...(labels ? { labels } : {}) });
      emit(ctx.json, page, (p) => table(p.items, entryColumns) + nextPage(p.next));
    });

  agents
    .command("get")
    .description("an agent: status, state, counters, breaker")
    .argument("<id>", "the agent's id")
    .action(async (id: string, _options: object, command: Command) => {
      const ctx = contextOf(command);
      emit(ctx.json, await ctx.client().agents.get(id), agentText);
    });

  agents
    .command("spawn")
    .description("spawn an agent of a type (answers the existing one if it has that type)")
    .argument("<type>", "the agent type")
    .argument("[id]", "its id (default: one the platform makes)")
    .option("--state <json>", "the initial state (JSON)", jsonValue)
    .option("--label <name=value>", "a label (repeatable)", label)
    .option("--key <idempotency-key>", "Idempotency-Key")
    .action(async (type: string, id: string | undefined, options: { state?: unknown; label?: Record<string, string>; key?: string }, command: Command) => {
      const ctx = contextOf(command);
      const agent = await ctx.client().agents.spawn(
        { type, ...(id ? { id } : {}), ...(options.state === undefined ? {} : { state: options.state }), ...(options.label ? { labels: options.label } : {}) },
        options.key ? { idempotencyKey: options.key } : {},
      );
      emit(ctx.json, agent, agentText);
    });

  agents
    .command("call")
    .description("call an action; prints its output")
    .argument("<id>", "the agent's id")
    .argument("<action>", "the action's name")
    .argument("[input]", "the action's input (a JSON object; default {})", jsonObject)
    .option("--key <idempotency-key>", "Idempotency-Key: the same key and input answer the first result")
    .action(async (id: string, action: string, input: Record<string, unknown> | undefined, options: { key?: string }, command: Command) => {
      const ctx = contextOf(command);
      const output = await ctx.client().agents.call(id, action, input ?? {}, options.key ? { idempotencyKey: options.key } : {});
      emit(ctx.json, output, prettyJson);
    });

  for (const [verb, description] of [
    ["pause", "hold calls (409 while paused)"],
    ["resume", "release held calls"],
    ["stop", "stop gracefully, keeping storage"],
    ["start", "start a stopped or failed agent again"],
  ] as const) {
    agents
      .command(verb)
      .description(description)
      .argument("<id>", "the agent's id")
      .action(async (id: string, _options: object, command: Command) => {
        const ctx = contextOf(command);
        emit(ctx.json, await ctx.client().agents.lifecycle(id, verb), agentText);
      });
  }

  agents
    .command("delete")
    .description("stop an agent and delete its storage")
    .argument("<id>", "the agent's id")
    .action(async (id: string, _options: object, command: Command) => {
      const ctx = contextOf(command);
      await ctx.client().agents.delete(id);
      emit(ctx.json, { id, deleted: true }, () => `deleted ${id}\n`);
    });

  agents
    .command("checkpoint")
    .description("a complete snapshot of an agent, as JSON (stdout, or --out)")
    .argument("<id>", "the agent's id")
    .option("-o, --out <file>", "write it to this file instead")
    .action(async (id: string, options: { out?: string }, command: Command) => {
      const ctx = contextOf(command);
      const checkpoint = await ctx.client().agents.checkpoint(id);
      if (!options.out) return void process.stdout.write(`${JSON.stringify(checkpoint)}\n`);
      writeFileSync(options.out, `${JSON.stringify(checkpoint)}\n`);
      emit(ctx.json, { id, file: options.out }, () => `checkpoint of ${id} written to ${options.out}\n`);
    });

  agents
    .command("restore")
    .description("create a new agent from a checkpoint")
    .argument("<id>", "the new agent's id")
    .requiredOption("-f, --from <file>", "the checkpoint file ('-' for stdin)", jsonFile)
    .action(async (id: string, options: { from: unknown }, command: Command) => {
      const ctx = contextOf(command);
      // The platform validates the checkpoint (400 naming the field).
      emit(ctx.json, await ctx.client().agents.restore(id, options.from as Checkpoint), agentText);
    });
};
