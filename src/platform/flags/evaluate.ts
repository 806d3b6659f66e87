// Evaluates a flag for one evaluation context, answering the value, the variant and
// OpenFeature's reason: DISABLED (kill switch), TARGETING_MATCH (a rule with one
// variant), SPLIT (a percentage rule), DEFAULT (rules, none applied), STATIC (no rules),
// ERROR (with an OpenFeature error code). Pure and synchronous, so an action pays
// microseconds for a flag.
import { checkConstraints } from "../security/constraints.ts";
import { bucketOf, splitVariant } from "./bucket.ts";
import type { Flag } from "./flag.ts";

export type EvaluationContext = Record<string, unknown> & { targetingKey?: string };

export type Reason = "STATIC" | "TARGETING_MATCH" | "SPLIT" | "DEFAULT" | "DISABLED" | "ERROR";
export type ErrorCode = "FLAG_NOT_FOUND" | "TARGETING_KEY_MISSING" | "TYPE_MISMATCH" | "PARSE_ERROR" | "GENERAL";

export type Evaluation = {
  key: string;
  value: unknown;
  variant: string | null;
  reason: Reason;
  errorCode?: ErrorCode;
  errorMessage?: string;
};

/**
 * The attributes rules see: the context's own, with `labels` (an object) also spelled
 * `label.<name>`, so a rule can say `{"label.region": "eu"}`.
 */
export const ruleContext = (context: EvaluationContext): Record<string, unknown> => {
  const flat: Record<string, unknown> = { ...context };
  const labels = context.labels;
  if (typeof labels === "object" && labels !== null && !Array.isArray(labels)) {
    for (const [name, value] of Object.entries(labels)) flat[`label.${name}`] = value;
  }
  return flat;
};

const answer = (key: string, flag: Flag, variant: string, reason: Reason): Evaluation => ({ key, value: flag.variants[variant], variant, reason });

export const evaluateFlag = (key: string, flag: Flag | undefined, context: EvaluationContext): Evaluation => {
  if (!flag) return { key, value: null, variant: null, reason: "ERROR", errorCode: "FLAG_NOT_FOUND", errorMessage: `No flag '${key}'.` };
  if (!flag.enabled) return answer(key, flag, flag.defaultVariant, "DISABLED");
  if (flag.rules.length === 0) return answer(key, flag, flag.defaultVariant, "STATIC");
  const attributes = ruleContext(context);
  for (const rule of flag.rules) {
    if (!checkConstraints(rule.when, attributes).ok) continue;
    if (rule.variant !== undefined) return answer(key, flag, rule.variant, "TARGETING_MATCH");
    const subject = attributes[rule.bucketBy];
    if (typeof subject !== "string" && typeof subject !== "number") {
      return {
        ...answer(key, flag, flag.defaultVariant, "ERROR"),
        errorCode: "TARGETING_KEY_MISSING",
        errorMessage: `A percentage rule of '${key}' buckets by '${rule.bucketBy}', which the context lacks.`,
      };
    }
    const variant = splitVariant(bucketOf(key, String(subject)), Object.entries(rule.split ?? {})) ?? flag.defaultVariant;
    return answer(key, flag, variant, "SPLIT");
  }
  return answer(key, flag, flag.defaultVariant, "DEFAULT");
};
