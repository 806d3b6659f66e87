// Why: one declaration of what a group accepts (its definition) and answers (members,
// load, scaling history), shared by the routes, which validate requests with it, and
// the controller, which parses its RPC input with it again.
import { z } from "zod";
import { canonicalJson } from "../canonical-json.ts";
import { idSchema } from "../ids.ts";
import { labelsSchema } from "../discovery/labels.ts";
import { GROUP_LIMITS } from "./limits.ts";
import { GROUP_LABEL } from "./naming.ts";

export const groupIdSchema = idSchema.refine((id) => id.length <= GROUP_LIMITS.idChars, `must be at most ${GROUP_LIMITS.idChars} characters`);

export const SCALE_SIGNALS = ["in_flight", "queue", "error_rate"] as const;
export type ScaleSignal = (typeof SCALE_SIGNALS)[number];

const members = z.number().int().min(0).max(GROUP_LIMITS.maxMembers);

export const createGroupSchema = z
  .strictObject({
    id: groupIdSchema,
    type: z.string().min(1).max(64),
    labels: labelsSchema
      .refine((labels) => !(GROUP_LABEL in labels), `'${GROUP_LABEL}' is set by the platform (the group's id)`)
      .refine((labels) => Object.keys(labels).length < 16, "at most 15 labels (the platform adds 'group')")
      .default({}),
    min: members.default(1),
    max: members.min(1),
    scale: z.strictObject({
      on: z.enum(SCALE_SIGNALS),
      /** Per member: calls in flight, calls queued, or an error rate in [0, 1]. */
      target: z.number().positive().max(GROUP_LIMITS.maxTarget),
      cooldownMs: z.number().int().min(GROUP_LIMITS.minCooldownMs).max(GROUP_LIMITS.maxCooldownMs).default(GROUP_LIMITS.defaultCooldownMs),
    }),
  })
  .superRefine((group, ctx) => {
    if (group.min > group.max) ctx.addIssue({ code: "custom", path: ["min"], message: `must not exceed max (${group.max})` });
    if (group.scale.on === "error_rate" && group.scale.target > 1) ctx.addIssue({ code: "custom", path: ["scale", "target"], message: "an error rate target is at most 1" });
  });

export type CreateGroup = z.output<typeof createGroupSchema>;
export type GroupConfig = CreateGroup & { createdAt: number };

/** Whether creating the group again with `b` changes nothing. */
export const sameGroup = (a: CreateGroup, b: CreateGroup): boolean => {
  const definition = (g: CreateGroup) => canonicalJson({ id: g.id, type: g.type, labels: g.labels, min: g.min, max: g.max, scale: g.scale });
  return definition(a) === definition(b);
};

export type MemberState = "active" | "draining" | "retired";

export type MemberView = {
  id: string;
  state: MemberState;
  status: string | null;
  healthy: boolean;
  load: { inFlight: number; queueLength: number; errorRate: number } | null;
  routed: number;
  joinedAt: string;
};

export type ScalingEvent = { at: string; from: number; to: number; reason: string; figure: number | null };

export type GroupView = {
  id: string;
  type: string;
  labels: Record<string, string>;
  min: number;
  max: number;
  scale: CreateGroup["scale"];
  createdAt: string;
  status: "active" | "deleting";
  figure: number | null;
  members: MemberView[];
  history: ScalingEvent[];
};

export type GroupSummary = { id: string; type: string; min: number; max: number; createdAt: string };
