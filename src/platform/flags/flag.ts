// A feature flag as the configuration holds it: typed variants, a default variant (also
// the value while the flag is switched off), and targeting rules tried in order. A rule's
// `when` uses the platform's constraint language (src/platform/security/constraints.ts)
// against the evaluation context; it answers one variant, or splits by percentage on a
// hash of `bucketBy` (the targeting key unless named). `enabled: false` is the kill switch.
import { z } from "zod";
import { constraintsSchema } from "../security/constraints.ts";

export const FLAG_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const VARIANT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const flagKeySchema = z.string().regex(FLAG_KEY, "must be 1-128 characters of A-Z a-z 0-9 . _ - starting with a letter or digit");
const variantNameSchema = z.string().regex(VARIANT, "must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit");

const jsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

export const FLAG_TYPES = ["boolean", "string", "number", "object"] as const;
export type FlagType = (typeof FLAG_TYPES)[number];

const ruleSchema = z
  .strictObject({
    /** Every constraint must hold for the rule to apply; none: it applies to everyone. */
    when: constraintsSchema.default({}),
    variant: variantNameSchema.optional(),
    /** Variant -> percentage (0-100, summing to 100). */
    split: z.record(variantNameSchema, z.number().min(0).max(100)).optional(),
    /** The context attribute whose hash places a subject in the split. */
    bucketBy: z.string().min(1).max(64).default("targetingKey"),
  })
  .superRefine((rule, ctx) => {
    if ((rule.variant === undefined) === (rule.split === undefined)) ctx.addIssue({ code: "custom", message: "give either variant or split", path: [] });
    if (rule.split !== undefined) {
      const total = Object.values(rule.split).reduce((sum, weight) => sum + weight, 0);
      if (Math.abs(total - 100) > 1e-9) ctx.addIssue({ code: "custom", message: `weights sum to ${total}, not 100`, path: ["split"] });
    }
  });

export const flagSchema = z
  .strictObject({
    type: z.enum(FLAG_TYPES),
    description: z.string().max(500).optional(),
    variants: z.record(variantNameSchema, jsonValue).refine((v) => Object.keys(v).length >= 1 && Object.keys(v).length <= 64, "declare 1-64 variants"),
    defaultVariant: variantNameSchema,
    /** The kill switch: false answers the default variant to everyone, reason DISABLED. */
    enabled: z.boolean().default(true),
    rules: z.array(ruleSchema).max(50).default([]),
  })
  .superRefine((flag, ctx) => {
    const known = (name: string) => Object.hasOwn(flag.variants, name);
    for (const [name, value] of Object.entries(flag.variants)) {
      if (!valueHasType(value, flag.type)) ctx.addIssue({ code: "custom", message: `is not a ${flag.type}`, path: ["variants", name] });
    }
    if (!known(flag.defaultVariant)) ctx.addIssue({ code: "custom", message: `names no variant of this flag`, path: ["defaultVariant"] });
    flag.rules.forEach((rule, i) => {
      if (rule.variant !== undefined && !known(rule.variant)) ctx.addIssue({ code: "custom", message: "names no variant of this flag", path: ["rules", i, "variant"] });
      for (const name of Object.keys(rule.split ?? {})) {
        if (!known(name)) ctx.addIssue({ code: "custom", message: "names no variant of this flag", path: ["rules", i, "split", name] });
      }
    });
  });

export type Flag = z.output<typeof flagSchema>;
export type FlagInput = z.input<typeof flagSchema>;

export const valueHasType = (value: unknown, type: FlagType): boolean =>
  type === "object" ? typeof value === "object" && value !== null : typeof value === type && (type !== "number" || Number.isFinite(value));
