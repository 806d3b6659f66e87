// `jido events`: publish (one event from flags, or a file of one or many), read a stream
// in order, and tail it live (Server-Sent Events) until Ctrl-C or --count events.
import type { Command } from "commander";
import type { Appended } from "../client/index.ts";
import type { CloudEvent, EventInput } from "../platform/events/cloud-event.ts";
import { contextOf } from "./context.ts";
import { UsageError } from "./profile.ts";
import { cell, emit, json, table } from "./output.ts";
import { jsonFile, jsonValue, positiveInt } from "./parse.ts";

const eventColumns = [
  { header: "SEQ", value: (e: CloudEvent) => e.sequence, align: "right" as const },
  { header: "TIME", value: (e: CloudEvent) => e.time },
  { header: "TYPE", value: (e: CloudEvent) => e.type },
  { header: "ID", value: (e: CloudEvent) => e.id },
  { header: "DATA", value: (e: CloudEvent) => e.data ?? e.data_base64 ?? null },
];

const appendedColumns = [
  { header: "ID", value: (a: Appended) => a.id },
  { header: "STREAM", value: (a: Appended) => a.stream },
  { header: "SEQ", value: (a: Appended) => a.sequence, align: "right" as const },
  { header: "DUPLICATE", value: (a: Appended) => (a.duplicate ? "yes" : "no") },
];

/** One tailed event on one line, for a human. */
export const eventLine = (event: CloudEvent): string =>
  `${event.sequence}  ${event.time}  ${event.type}  ${event.id}  ${cell(event.data ?? event.data_base64 ?? null, 200)}\n`;

type PublishOptions = { source: string; id?: string; stream?: string; subject?: string; file?: unknown };

export const eventsCommand = (events: Command): void => {
  events.description("publish, read and tail events");

  events
    .command("publish")
    .description("publish an event (its stream: --stream, or the first segment of its type)")
    .argument("[type]", "the event's type, e.g. order.created")
    .argument("[data]", "the event's data (JSON)", jsonValue)
    .option("--source <source>", "the event's source", "jido-cli")
    .option("--id <id>", "the event's id (default: the platform makes one)")
    .option("--stream <stream>", "the stream to publish into")
    .option("--subject <subject>", "the event's subject")
    .option("-f, --file <file>", "publish the event, or array of events, in this JSON file ('-' for stdin) instead", jsonFile)
    .action(async (type: string | undefined, data: unknown, options: PublishOptions, command: Command) => {
      const ctx = contextOf(command);
      if ((type === undefined) === (options.file === undefined)) throw new UsageError("give an event type, or --file, not both");
      const body =
        options.file !== undefined
          ? (options.file as EventInput | EventInput[])
          : {
              type: type ?? "",
              source: options.source,
              ...(data === undefined ? {} : { data }),
              ...(options.id ? { id: options.id } : {}),
              ...(options.stream ? { stream: options.stream } : {}),
              ...(options.subject ? { subject: options.subject } : {}),
            };
      emit(ctx.json, await ctx.client().events.publish(body), (r) => table(r.items, appendedColumns));
    });

  events
    .command("read")
    .description("read a stream in order from a sequence")
    .argument("<stream>", "the stream, e.g. order")
    .option("--from <seq>", "the first sequence to read", positiveInt, 1)
    .option("--to <seq>", "the last sequence to read", positiveInt)
    .option("--limit <n>", "at most n events (1-1000)", positiveInt, 100)
    .action(async (stream: string, options: { from: number; to?: number; limit: number }, command: Command) => {
      const ctx = contextOf(command);
      const page = await ctx.client().events.read(stream, options);
      emit(ctx.json, page, (p) => table(p.items, eventColumns) + (p.next === null ? "" : `next: --from ${p.next}\n`));
    });

  events
    .command("tail")
    .description("follow a stream live (Ctrl-C ends it); --json prints one event per line")
    .argument("<stream>", "the stream, e.g. order")
    .option("--from <seq>", "start at this sequence (default: the next event)", positiveInt)
    .option("--count <n>", "end after n events", positiveInt)
    .action(async (stream: string, options: { from?: number; count?: number }, command: Command) => {
      const ctx = contextOf(command);
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      let seen = 0;
      try {
        for await (const event of ctx.client().events.tail(stream, { ...(options.from ? { from: options.from } : {}), signal: abort.signal })) {
          process.stdout.write(ctx.json ? json(event) : eventLine(event));
          if (options.count !== undefined && ++seen >= options.count) break;
        }
      } catch (error) {
        if (!abort.signal.aborted) throw error;
      } finally {
        abort.abort();
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
    });
};
