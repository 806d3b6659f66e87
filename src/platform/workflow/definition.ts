// Workflow definitions are plain JSON, validated by this zod schema, so that a workflow
// written with `defineWorkflow()` in TypeScript and one registered over HTTP are the
// same thing. Constructs: participants (roles bound to agents), step, parallel,
// conditional, await (a participant event), and error handling by error type.
import { z } from "zod";
import { idSchema } from "../ids.ts";
import { eventTypeSchema } from "../events/cloud-event.ts";
import { constraintsSchema } from "../security/constraints.ts";

export const NAME = /^[a-z][a-z0-9_]{0,63}$/;
const name = (what: string) => z.string().regex(NAME, `${what} must be 1-64 characters of a-z 0-9 _ starting with a letter`);
const ms = z.number().int().min(1).max(7 * 24 * 3600 * 1000);

/** A value in a step's input: a literal, or a reference `$.input.a.b` / `$.steps.<step>.output.x`. */
export const REFERENCE = /^\$\.(input|steps)(\.[A-Za-z0-9_-]+)*$/;

/**
 * `retry: n` means n retries after the first attempt (n + 1 attempts in all), on a step
 * and in `error_handling.on_error` alike; `backoff_ms` is the first retry's delay.
 */
const retries = z.number().int().min(1).max(20);
const backoffMs = z.number().int().min(0).max(3_600_000);
export const DEFAULT_BACKOFF_MS = 500;

/**
 * The step retry of definitions registered before `retry` meant retries everywhere:
 * `max_attempts` counted attempts. Still parsed, so stored definitions and their runs
 * behave as before; the checker refuses it in new definitions, saying how to write it.
 */
export const legacyStepRetrySchema = z.strictObject({
  max_attempts: z.number().int().min(1).max(20).default(1),
  backoff_ms: backoffMs.default(DEFAULT_BACKOFF_MS),
});

/** The most agents a role binds, and the most it may spawn for a run. */
export const MAX_ROLE_AGENTS = 16;

/**
 * A role is bound when a run starts. By default through discovery: running agents of
 * `type` (or of any deployed type with `capability`) whose labels meet `constraints`,
 * `min_count` of them (fewer refuses the start with 409, unless the role is `optional`).
 * `agents` names them instead; `spawn: true` (min_count) or `spawn: n` spawns new ones
 * for the run.
 */
export const participantSchema = z
  .strictObject({
    type: z.string().regex(NAME).optional(),
    /** Match agent types by capabilities instead of naming one: every key must equal (or be contained in) the type's. */
    capability: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    /** Explicit agents to bind, instead of discovering them. */
    agents: z.array(idSchema).min(1).max(MAX_ROLE_AGENTS).optional(),
    /** A filter on the agents' labels (and load figures), in the grants' constraint language, as discovery's. */
    constraints: constraintsSchema.default({}),
    min_count: z.number().int().min(1).max(MAX_ROLE_AGENTS).default(1),
    optional: z.boolean().default(false),
    /** Spawn agents for the run instead of discovering them: `true` spawns min_count, a number that many. */
    spawn: z.union([z.boolean(), z.number().int().min(1).max(MAX_ROLE_AGENTS)]).optional(),
  })
  .refine((p) => (p.type === undefined) !== (p.capability === undefined), { message: "give exactly one of type or capability" })
  .refine((p) => !(p.agents && p.spawn !== undefined && p.spawn !== false), { message: "give agents or spawn, not both", path: ["spawn"] })
  .refine((p) => typeof p.spawn !== "number" || p.spawn >= p.min_count, { message: "spawns fewer agents than min_count", path: ["spawn"] });

export type Participant = z.output<typeof participantSchema>;

const stepSchema = z.strictObject({
  step: name("a step name"),
  role: name("a role"),
  action: name("an action"),
  input: z.record(z.string(), z.unknown()).default({}),
  timeout: ms.optional(),
  /** Retries after the first attempt, for any error type (an `on_error` rule for the type wins). */
  retry: z.union([retries, legacyStepRetrySchema]).optional(),
  /** The first retry's delay (default 500 ms), doubling for each further retry. */
  backoff_ms: backoffMs.optional(),
  compensation: name("a compensation action").optional(),
});

const awaitSchema = z.strictObject({
  await: name("an await name"),
  role: name("a role"),
  event: eventTypeSchema,
  timeout: ms.optional(),
});

export type StepNode = z.output<typeof stepSchema>;
export type AwaitNode = z.output<typeof awaitSchema>;
export type FlowNode =
  | StepNode
  | AwaitNode
  | { parallel: FlowNode[][] }
  | { conditional: { on: string; cases: { when: unknown; flow: FlowNode[] }[]; default?: FlowNode[] } };

export const flowNodeSchema: z.ZodType<FlowNode> = z.lazy(() =>
  z.union([
    stepSchema,
    awaitSchema,
    z.strictObject({ parallel: z.array(z.array(flowNodeSchema).min(1)).min(2).max(32) }),
    z.strictObject({
      conditional: z.strictObject({
        on: z.string().regex(REFERENCE, "must be a reference such as $.steps.pay.output.success"),
        cases: z.array(z.strictObject({ when: z.unknown(), flow: z.array(flowNodeSchema) })).min(1).max(32),
        default: z.array(flowNodeSchema).optional(),
      }),
    }),
  ]),
) as z.ZodType<FlowNode>;

const errorRuleSchema = z.union([
  z.strictObject({ retry: retries, backoff_ms: backoffMs.default(DEFAULT_BACKOFF_MS) }),
  z.strictObject({ compensate: z.literal(true) }),
]);

export const workflowDefinitionSchema = z.strictObject({
  name: name("a workflow name"),
  version: z.string().regex(/^\d+\.\d+\.\d+$/, "must be a semantic version such as 1.0.0"),
  description: z.string().max(1000).default(""),
  /** Top-level fields the run input must have (checked when a run starts, and by references). */
  input: z.strictObject({ required: z.array(z.string().regex(/^[A-Za-z0-9_-]+$/)).max(64).default([]) }).prefault({}),
  participants: z.record(name("a role"), participantSchema).refine((p) => Object.keys(p).length > 0, "declare at least one participant"),
  flow: z.array(flowNodeSchema).min(1).max(200),
  /** A whole-run deadline. */
  timeout: ms.optional(),
  error_handling: z
    .strictObject({
      /** By error type (the agent's ActionError code, or `timeout`). */
      on_error: z.record(z.string().regex(/^[a-z0-9_.-]{1,64}$/), errorRuleSchema).default({}),
      /** A step (role and action) to run when a step or await times out, e.g. to alert an operator. */
      on_timeout: z.strictObject({ role: name("a role"), action: name("an action"), input: z.record(z.string(), z.unknown()).default({}) }).optional(),
    })
    .prefault({}),
});

export type WorkflowDefinition = z.output<typeof workflowDefinitionSchema>;
export type WorkflowDefinitionInput = z.input<typeof workflowDefinitionSchema>;

export const isStep = (node: FlowNode): node is StepNode => "step" in node;
export const isAwait = (node: FlowNode): node is AwaitNode => "await" in node;

/** Every step and await of a flow, depth first, in declaration order. */
export const walkFlow = function* (flow: readonly FlowNode[], path = "flow"): Generator<{ node: StepNode | AwaitNode; path: string }> {
  for (const [index, node] of flow.entries()) {
    const at = `${path}.${index}`;
    if (isStep(node) || isAwait(node)) yield { node, path: at };
    else if ("parallel" in node) for (const [b, branch] of node.parallel.entries()) yield* walkFlow(branch, `${at}.parallel.${b}`);
    else {
      for (const [c, branch] of node.conditional.cases.entries()) yield* walkFlow(branch.flow, `${at}.conditional.cases.${c}.flow`);
      if (node.conditional.default) yield* walkFlow(node.conditional.default, `${at}.conditional.default`);
    }
  }
};

export const nodeName = (node: StepNode | AwaitNode): string => (isStep(node) ? node.step : node.await);
