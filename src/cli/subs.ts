// `jido subs`: subscriptions: list, get (cursor, lag and errors per stream), create (from
// a JSON file, or flags for an agent or webhook target), pause, resume, delete, and
// replay a range of a stream into one.
import type { Command } from "commander";
import type { Subscription } from "../client/index.ts";
import type { SubscriptionRequest, SubscriptionStreamStatus } from "../platform/events/subscription.ts";
import { contextOf } from "./context.ts";
import { UsageError } from "./profile.ts";
import { emit, keyValues, nextPage, table } from "./output.ts";
import { collect, jsonFile, jsonObject, positiveInt } from "./parse.ts";

const targetText = (s: Subscription): string =>
  s.target.kind === "agent" ? `agent ${s.target.agent}.${s.target.action}` : s.target.kind === "webhook" ? `webhook ${s.target.url}` : "live";

const lagOf = (s: Subscription): number => s.streams.reduce((sum, stream) => sum + stream.lag, 0);

const columns = [
  { header: "ID", value: (s: Subscription) => s.id },
  { header: "STATUS", value: (s: Subscription) => (s.suspended ? `${s.status} (${s.suspended})` : s.status) },
  { header: "PATTERNS", value: (s: Subscription) => s.patterns.join(",") },
  { header: "TARGET", value: targetText },
  { header: "LAG", value: lagOf, align: "right" as const },
];

const streamColumns = [
  { header: "STREAM", value: (s: SubscriptionStreamStatus) => s.stream },
  { header: "CURSOR", value: (s: SubscriptionStreamStatus) => s.cursor, align: "right" as const },
  { header: "LAST", value: (s: SubscriptionStreamStatus) => s.last, align: "right" as const },
  { header: "LAG", value: (s: SubscriptionStreamStatus) => s.lag, align: "right" as const },
  { header: "DELIVERED", value: (s: SubscriptionStreamStatus) => s.delivered, align: "right" as const },
  { header: "DEAD", value: (s: SubscriptionStreamStatus) => s.deadLetters, align: "right" as const },
  { header: "LAST-ERROR", value: (s: SubscriptionStreamStatus) => s.lastError?.message ?? null },
];

export const subscriptionText = (s: Subscription): string =>
  keyValues([
    ["id", s.id],
    ["status", s.status],
    ["suspended", s.suspended],
    ["patterns", s.patterns.join(", ")],
    ["stream", s.stream ?? null],
    ["target", targetText(s)],
    ["expires", s.expiresAt],
    ...(s.secret ? [["secret", s.secret] as const] : []),
  ]) + (s.streams.length ? `\n${table(s.streams, streamColumns)}` : "");

type CreateOptions = {
  file?: unknown;
  id?: string;
  pattern?: string[];
  stream?: string;
  start?: string;
  agent?: string;
  action?: string;
  input?: Record<string, unknown>;
  webhook?: string;
  key?: string;
};

const requestFrom = (options: CreateOptions): SubscriptionRequest => {
  if (options.file !== undefined) return options.file as SubscriptionRequest;
  if (!options.pattern?.length) throw new UsageError("give --pattern (one or more), or --file");
  const target: SubscriptionRequest["target"] | undefined = options.webhook
    ? { kind: "webhook", url: options.webhook }
    : options.agent && options.action
      ? { kind: "agent", agent: options.agent, action: options.action, ...(options.input ? { input: options.input } : {}) }
      : undefined;
  if (!target) throw new UsageError("give a target: --agent <id> --action <name>, or --webhook <url>");
  const start = options.start === undefined ? undefined : /^\d+$/.test(options.start) ? { sequence: Number(options.start) } : options.start;
  if (start !== undefined && typeof start === "string" && start !== "earliest" && start !== "latest") {
    throw new UsageError(`--start '${start}': earliest, latest or a sequence number`);
  }
  return {
    patterns: options.pattern,
    target,
    ...(options.id ? { id: options.id } : {}),
    ...(options.stream ? { stream: options.stream } : {}),
    ...(start === undefined ? {} : { start: start as SubscriptionRequest["start"] }),
  };
};

export const subsCommand = (subs: Command): void => {
  subs.description("event subscriptions: list, get, create, pause, resume, delete, replay");

  subs
    .command("list")
    .description("list subscriptions")
    .option("--limit <n>", "at most n", positiveInt)
    .option("--cursor <cursor>", "the page after this cursor")
    .action(async (options: { limit?: number; cursor?: string }, command: Command) => {
      const ctx = contextOf(command);
      emit(ctx.json, await ctx.client().subscriptions.list(options), (p) => table(p.items, columns) + nextPage(p.next));
    });

  subs
    .command("get")
    .description("a subscription: cursor, lag, last error and dead letters per stream")
    .argument("<id>", "the subscription's id")
    .action(async (id: string, _options: object, command: Command) => {
      const ctx = contextOf(command);
      emit(ctx.json, await ctx.client().subscriptions.get(id), subscriptionText);
    });

  subs
    .command("create")
    .description("create a subscription from --file, or from the flags below")
    .option("-f, --file <file>", "the whole request as JSON ('-' for stdin)", jsonFile)
    .option("--id <id>", "its id")
    .option("--pattern <pattern>", "an event type pattern, e.g. order.* (repeatable)", collect)
    .option("--stream <stream>", "only this stream")
    .option("--start <start>", "earliest, latest (default) or a sequence")
    .option("--agent <id>", "target: this agent ...")
    .option("--action <name>", "... and this action")
    .option("--input <json>", "the action's input (default: the event's data)", jsonObject)
    .option("--webhook <url>", "target: this https URL")
    .option("--key <idempotency-key>", "Idempotency-Key")
    .action(async (options: CreateOptions, command: Command) => {
      const ctx = contextOf(command);
      const created = await ctx.client().subscriptions.create(requestFrom(options), options.key ? { idempotencyKey: options.key } : {});
      emit(ctx.json, created, subscriptionText);
    });

  for (const verb of ["pause", "resume"] as const) {
    subs
      .command(verb)
      .description(verb === "pause" ? "stop delivering (the cursor stays)" : "deliver again from the cursor")
      .argument("<id>", "the subscription's id")
      .action(async (id: string, _options: object, command: Command) => {
        const ctx = contextOf(command);
        emit(ctx.json, await ctx.client().subscriptions[verb](id), subscriptionText);
      });
  }

  subs
    .command("delete")
    .description("delete a subscription")
    .argument("<id>", "the subscription's id")
    .action(async (id: string, _options: object, command: Command) => {
      const ctx = contextOf(command);
      await ctx.client().subscriptions.delete(id);
      emit(ctx.json, { id, deleted: true }, () => `deleted ${id}\n`);
    });

  subs
    .command("replay")
    .description("deliver a range of a stream to a subscription's target again")
    .argument("<id>", "the subscription's id")
    .requiredOption("--stream <stream>", "the stream to replay")
    .option("--from <seq>", "the first sequence", positiveInt, 1)
    .option("--to <seq>", "the last sequence (default: the stream's last)", positiveInt)
    .action(async (id: string, options: { stream: string; from: number; to?: number }, command: Command) => {
      const ctx = contextOf(command);
      const replay = await ctx.client().events.replay(options.stream, { subscription: id, from: options.from, ...(options.to ? { to: options.to } : {}) });
      emit(ctx.json, replay, (r) => `replaying ${options.stream} ${r.from}-${r.to} into ${r.id}\n`);
    });
};
