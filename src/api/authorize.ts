// Capability checks made in the Worker, for resources that have no object of their own
// to decide (agent types, streams). Denials are written to the audit stream, then
// answered 403 naming the capability.
import type { Context } from "hono";
import { auditSink } from "../../objects/durable/index.ts";
import { forbidden, type ProblemError } from "../platform/problem.ts";
import { checkCapability } from "../platform/security/check.ts";
import type { Telemetry } from "../platform/telemetry/emitter.ts";
import type { AppEnv } from "../env.ts";
import { principalCaller } from "./agent-access.ts";

/**
 * `context`: the operation's input, checked against the grant's constraints; null when the
 * input is not known yet (checked later, where it is), so only the grant's name counts.
 */
export const requireCapability = async (
  c: Context<AppEnv>,
  telemetry: Telemetry,
  capability: string,
  resource: string,
  context: Record<string, unknown> | null = {},
): Promise<void> => {
  const grants = principalCaller(c).grants;
  const usable = context === null ? grants.map((grant) => ({ ...grant, constraints: {} })) : grants;
  const outcome = checkCapability(usable, capability, context ?? {}, Date.now());
  if (outcome.ok) return;
  await deny(c, telemetry, capability, outcome.reason, resource);
};

/** Whether the request's principal holds `capability` (no audit: for choices, not denials). */
export const holds = (c: Context<AppEnv>, capability: string): boolean => checkCapability(principalCaller(c).grants, capability, {}, Date.now()).ok;

/** Records a denial on the audit stream, then answers 403 naming the capability that would have allowed it. */
export const deny = async (c: Context<AppEnv>, telemetry: Telemetry, capability: string, reason: string, resource: string): Promise<never> => {
  await auditSink(c.env.STREAMS, telemetry)({ caller: principalCaller(c), capability, reason, resource, at: Date.now() });
  throw forbidden(capability, reason);
};

/**
 * Refuses an operation a rule forbids whatever the caller holds (e.g. erasing a platform
 * stream): recorded on the audit stream under the operation's capability, like a missing
 * one, then answered with the rule's own problem.
 */
export const refuseByRule = async (
  c: Context<AppEnv>,
  telemetry: Telemetry,
  denial: { capability: string; reason: string; resource: string },
  refusal: ProblemError,
): Promise<never> => {
  await auditSink(c.env.STREAMS, telemetry)({ caller: principalCaller(c), ...denial, at: Date.now() });
  throw refusal;
};
