// One agent's entry in the directory, as the agent registers it: identity, type and
// version, the capabilities its type declares, the labels and placement it was spawned
// with, its status and breaker, and the load figures it last reported. `revision`
// grows with every registration an agent sends (time-based, so it also grows across a
// delete and a new spawn of the same id): a shard keeps the highest, so a late
// registration never overwrites a newer one, nor brings back a deleted agent.
import { z } from "zod";
import { idSchema } from "../ids.ts";
import { labelsSchema } from "./labels.ts";
import { JURISDICTIONS, LOCATION_HINTS } from "./placement.ts";

const jsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

export const AGENT_STATUSES = ["starting", "running", "paused", "stopping", "stopped", "failed"] as const;
export const BREAKER_STATES = ["closed", "open", "half_open"] as const;

const figure = z.number().min(0).max(1e12);

export const directoryEntrySchema = z.strictObject({
  id: idSchema,
  type: z.string().min(1).max(64),
  version: z.string().min(1).max(64),
  capabilities: z.record(z.string().max(64), jsonValue),
  labels: labelsSchema,
  placement: z.strictObject({ locationHint: z.enum(LOCATION_HINTS).nullable(), jurisdiction: z.enum(JURISDICTIONS).nullable() }),
  status: z.enum(AGENT_STATUSES),
  breaker: z.enum(BREAKER_STATES),
  load: z.strictObject({ inFlight: figure, queueLength: figure, errorRate: z.number().min(0).max(1), p50Ms: figure.nullable(), windowCalls: figure }),
  createdAt: z.number().int().min(0),
  /** When the agent sent this entry (epoch ms). */
  reportedAt: z.number().int().min(0),
  revision: z.number().int().min(0),
});

export type DirectoryEntry = z.output<typeof directoryEntrySchema>;

/** An entry as lists and discovery answer it (times in ISO 8601). */
export type EntryView = Omit<DirectoryEntry, "createdAt" | "reportedAt" | "revision"> & { createdAt: string; reportedAt: string };

export const entryView = (entry: DirectoryEntry): EntryView => {
  const { createdAt, reportedAt, revision: _revision, ...rest } = entry;
  return { ...rest, createdAt: new Date(createdAt).toISOString(), reportedAt: new Date(reportedAt).toISOString() };
};

/** The next revision: the current time, or one past the last when the clock has not moved on. */
export const nextRevision = (last: number, now: number): number => Math.max(last + 1, Math.floor(now));
