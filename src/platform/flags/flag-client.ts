// `ctx.flags` in actions and hooks: the tenant's flags evaluated in-process against the
// configuration copy the call already holds (no I/O per flag). The agent's own
// attributes (tenant, agentType, agentId, labels; targetingKey = agent id) are the base
// context; a call may add or override attributes, not the tenant.
import { type Evaluation, evaluateFlag, type EvaluationContext } from "./evaluate.ts";
import { type Flag, valueHasType } from "./flag.ts";

export interface FlagClient {
  /** The value, variant and reason, as OpenFeature's evaluation details. */
  details(key: string, context?: EvaluationContext): Evaluation;
  boolean(key: string, fallback: boolean, context?: EvaluationContext): boolean;
  string(key: string, fallback: string, context?: EvaluationContext): string;
  number(key: string, fallback: number, context?: EvaluationContext): number;
  object<T = unknown>(key: string, fallback: T, context?: EvaluationContext): T;
}

export const createFlagClient = (flags: Readonly<Record<string, Flag>>, base: EvaluationContext & { tenant: string }): FlagClient => {
  const details = (key: string, context: EvaluationContext = {}): Evaluation =>
    evaluateFlag(key, Object.hasOwn(flags, key) ? flags[key] : undefined, { ...base, ...context, tenant: base.tenant });
  // The caller's fallback on an error or a value of another type, as OpenFeature's typed getters do.
  const typed =
    <T>(type: Flag["type"]) =>
    (key: string, fallback: T, context?: EvaluationContext): T => {
      const result = details(key, context);
      return result.reason !== "ERROR" && valueHasType(result.value, type) ? (result.value as T) : fallback;
    };
  return {
    details,
    boolean: typed<boolean>("boolean"),
    string: typed<string>("string"),
    number: typed<number>("number"),
    object: <T>(key: string, fallback: T, context?: EvaluationContext) => typed<T>("object")(key, fallback, context),
  };
};
