// Subscriptions: which events (type patterns, an optional stream, data filters), from
// where (earliest, latest or a sequence), to whom (an agent action, a signed webhook, or
// live connections) and how persistently (attempts and backoff before dead-lettering).
import { fnv1a } from "../shard-hash.ts";
import { z } from "zod";
import { idSchema } from "../ids.ts";
import { streamNameSchema } from "./cloud-event.ts";
import { inputMappingSchema } from "./input-mapping.ts";
import { patternSchema } from "./pattern.ts";
import type { Caller } from "../security/caller.ts";
import { type Delegator, delegatorOf } from "../security/delegation.ts";

const scalar = z.union([z.string().max(256), z.number(), z.boolean(), z.null()]);

/** An absolute URL of another scheme than http(s) (`ftp://`, `file:`), to say what is accepted instead of "Invalid URL". */
const otherScheme = (input: unknown): boolean => {
  try {
    return typeof input === "string" && !/^https?:$/.test(new URL(input.trim()).protocol);
  } catch {
    return false;
  }
};

export const targetSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("agent"),
    agent: idSchema,
    action: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, "must be an action name"),
    /** What the action receives: the event's data (default), the whole CloudEvent, or a template. */
    input: inputMappingSchema.default("data"),
  }),
  z.strictObject({
    kind: z.literal("webhook"),
    // The deployment's webhook policy (webhook-policy.ts) checks the rest: https unless
    // it allows http, and a public host.
    url: z
      .url({ protocol: /^https?$/, error: (issue) => (otherScheme(issue.input) ? "only https URLs are accepted (http only where the deployment allows it)" : undefined) })
      .max(2048),
  }),
  z.strictObject({ kind: z.literal("live") }),
]);

export const subscriptionRequestSchema = z.strictObject({
  id: idSchema.optional(),
  patterns: z.array(patternSchema).min(1).max(32),
  stream: streamNameSchema.optional(),
  /** Dotted paths into the event's data, each equal to a value or one of a list. */
  filter: z.strictObject({ data: z.record(z.string().min(1).max(256), z.union([scalar, z.array(scalar).min(1).max(100)])).default({}) }).default({ data: {} }),
  start: z.union([z.enum(["earliest", "latest"]), z.strictObject({ sequence: z.number().int().min(1) })]).default("latest"),
  target: targetSchema,
  delivery: z
    .strictObject({
      maxAttempts: z.number().int().min(1).max(50).default(8),
      baseDelayMs: z.number().int().min(10).max(60_000).default(1_000),
      maxDelayMs: z.number().int().min(10).max(3_600_000).default(300_000),
    })
    .refine((d) => d.maxDelayMs >= d.baseDelayMs, { message: "maxDelayMs must be >= baseDelayMs", path: ["maxDelayMs"] })
    .prefault({}),
});

export type SubscriptionRequest = z.input<typeof subscriptionRequestSchema>;
export type SubscriptionSpec = z.output<typeof subscriptionRequestSchema>;
export type DeliveryTarget = z.output<typeof targetSchema>;

const valueAt = (data: unknown, path: string): unknown => {
  let current = data;
  for (const key of path.split(".")) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
};

/** Whether an event's data passes the subscription's data filter. */
export const passesFilter = (filter: SubscriptionSpec["filter"], data: unknown): boolean =>
  Object.entries(filter.data).every(([path, expected]) => {
    const actual = valueAt(data, path);
    return Array.isArray(expected) ? expected.some((value) => value === actual) : actual === expected;
  });

/** A subscription as the bus stores it and hands it to streams. */
export type SubscriptionRecord = {
  id: string;
  tenant: string;
  spec: SubscriptionSpec;
  /** Who created it; deliveries to agents are checked against these credentials. */
  caller: Caller;
  /** The webhook signing secret (webhook targets only). */
  secret: string | null;
  status: "active" | "paused";
  createdAt: number;
  /**
   * When it stops acting for its creator (epoch ms): the creating token's expiry, unless
   * that token held `delegate:durable` (null). Absent in records made before it existed.
   */
  expiresAt?: number | null;
};

/** Why a subscription delivers nothing whatever its status: past its expiry, or its creator's token was revoked. */
export type Suspension = "expired" | "revoked";

export const subscriptionExpired = (record: Pick<SubscriptionRecord, "expiresAt">, now: number): boolean =>
  record.expiresAt !== undefined && record.expiresAt !== null && record.expiresAt <= now;

/** The token a subscription acts for (a record older than token facts: its creator as of its creation). */
export const subscriptionDelegator = (record: Pick<SubscriptionRecord, "caller" | "createdAt">): Delegator | null =>
  delegatorOf(record.caller, record.createdAt);

/**
 * Whether `caller` may attach a live connection to the subscription: only the principal
 * that created it (same subject, same tenant) or an admin. Anyone else could otherwise
 * take the pushes meant for its owner.
 */
export const mayAttach = (caller: Caller, record: Pick<SubscriptionRecord, "caller" | "tenant">, isAdmin: boolean): boolean =>
  isAdmin ||
  (caller.kind === "principal" && record.caller.kind === "principal" && caller.tenant === record.tenant && caller.subject === record.caller.subject);

export type SubscriptionStreamStatus = {
  stream: string;
  cursor: number;
  last: number;
  lag: number;
  delivered: number;
  deadLetters: number;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: { at: string; message: string; sequence: number } | null;
  /** Ranges retention deleted before the subscription handled them (`count`: the events in it it wanted), newest last. */
  skipped: { from: number; to: number; count: number; at: string }[];
};

/** FNV-1a, to tell apart ids that read the same once lowercased (`A` and `a`). */
const shortHash = (text: string): string => fnv1a(text).toString(36);

/**
 * The dead-letter stream of a subscription: `dlq.<id>` when the id is already a stream
 * name, else the id made one plus a hash of the original, so two ids never share it.
 */
export const deadLetterStream = (subscriptionId: string): string => {
  const plain = subscriptionId.toLowerCase().replace(/[^a-z0-9._-]/g, "-");
  return plain === subscriptionId && plain.length <= 124 ? `dlq.${plain}` : `dlq.${plain.slice(0, 100)}.${shortHash(subscriptionId)}`;
};
