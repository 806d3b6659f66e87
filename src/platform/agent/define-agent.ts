// `defineAgent`: the declarative agent DSL with the seed's sections (capabilities,
// resources, lifecycle, resilience, observability, actions). The declaration is
// checked when the module loads, so a bad definition fails at start-up with the field
// named, and input/output types are inferred from the zod schemas so a TypeScript
// caller cannot pass the wrong input to an action.
import { z } from "zod";
import type { Logger } from "../telemetry/logger.ts";
import type { CacheAccess } from "../cache/access.ts";
import { type Resources } from "./resources.ts";
import type { PoolAcquireOptions, PoolLease } from "./runtime-deps.ts";
import { type AgentSettings, parseAgentSettings, type AgentSettingsInput } from "./agent-settings.ts";
import type { Config } from "../config/schema.ts";
import type { FlagClient } from "../flags/flag-client.ts";
import type { ConfigChangeNotice } from "./agent-config.ts";
import type { HealthAnswer } from "./supervision.ts";
import type { ScheduleRequest } from "../schedules/schedule.ts";
import type { ScheduleAccess } from "../schedules/context.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type EmitOptions = { subject?: string };

/** What a lifecycle hook sees. */
export interface HookContext<S> {
  readonly state: S;
  readonly agentId: string;
  readonly agentType: string;
  readonly tenant: string;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** The tenant's configuration (README "Configuration"), at most a few seconds old. */
  readonly config: Config;
  /** The tenant's feature flags, evaluated with this agent's attributes as context. */
  readonly flags: FlagClient;
  now(): number;
  /** Records an event; it is committed with the state, in the agent's outbox. */
  emit(type: string, data?: unknown, options?: EmitOptions): void;
  /** The tenant's tiered cache (README "Cache"); its writes are not part of the action's transaction. */
  readonly cache: CacheAccess;
}

export type AgentCallOptions = {
  /** Defaults to one derived from this call's key and the call's position, so a retried action calls once. */
  idempotencyKey?: string;
};

/** Another agent of the same tenant, as an action can call it (checked against this agent's grants). */
export interface TypedAgentRef<D> {
  call<K extends ActionName<D>>(action: K, input: ActionInput<D, K>, options?: AgentCallOptions): Promise<ActionOutput<D, K>>;
}

/** What an action sees: the hook context plus the call's attempt and idempotency key. */
export interface ActionContext<S> extends HookContext<S> {
  readonly attempt: number;
  readonly idempotencyKey: string;
  /** Calls an action of another agent; a refusal arrives as an ActionError with the problem's code. */
  call(agentId: string, action: string, input: unknown, options?: AgentCallOptions): Promise<unknown>;
  /** The typed form of `call`, from the other agent's definition. */
  agent<D extends AnyAgentDefinition>(definition: D, agentId: string): TypedAgentRef<D>;
  /**
   * Takes `units` (default 1) of a resource pool of this tenant (the agent needs the grant
   * `pools:acquire:<pool>`), waiting in its queue up to `timeoutMs`. The lease is released
   * when this attempt ends, whether it succeeds or fails.
   */
  acquire(pool: string, units?: number, options?: PoolAcquireOptions): Promise<PoolLease>;
  /**
   * Schedules one of this agent's actions (README "Schedules"): `{ at | delayMs | cron,
   * timezone?, action, input, id?, missed? }`; written with this action's commit, and
   * answers the schedule's id (the same id again replaces that schedule).
   */
  schedule(request: ScheduleRequest): string;
  readonly schedules: ScheduleAccess;
}

export type ActionResult<O, S> = { result: O; state?: S };

export interface ActionSpec<S, I extends z.ZodType, O extends z.ZodType> {
  description?: string;
  input: I;
  output: O;
  /** Milliseconds one attempt may take; defaults to the agent's `defaultActionTimeout`. */
  timeout?: number;
  run(input: z.output<I>, ctx: ActionContext<S>): ActionResult<z.input<O>, S> | Promise<ActionResult<z.input<O>, S>>;
}

export type AnyActionSpec<S = unknown> = ActionSpec<S, z.ZodType, z.ZodType>;

export type ActionFactory<S> = <I extends z.ZodType, O extends z.ZodType>(
  spec: ActionSpec<S, I, O>,
) => ActionSpec<S, I, O>;

export interface LifecycleHooks<S> {
  /** Runs when the agent is spawned, restored or started again, within `startupTimeout`; may return a new state. */
  onStart?(ctx: HookContext<S>): void | { state?: S } | Promise<void | { state?: S }>;
  /** Runs when the agent stops, within `shutdownGracePeriod`. */
  onTerminate?(ctx: HookContext<S>): void | Promise<void>;
  /**
   * Runs before the agent's next action once the configuration it saw has changed (`ctx.config`
   * is the new one), within `startupTimeout`; may return a new state. Its failure is logged
   * and the action runs all the same.
   */
  onConfigChange?(ctx: HookContext<S>, change: ConfigChangeNotice): void | { state?: S } | Promise<void | { state?: S }>;
  /**
   * Runs every `supervision.healthCheck.intervalMs` while the agent is running, within its
   * `timeoutMs`; `false` (or `{ healthy: false, reason }`), a throw or a timeout restarts the
   * agent under its `supervision` policy.
   */
  onHealthCheck?(ctx: HookContext<S>): HealthAnswer | Promise<HealthAnswer>;
}

export interface AgentSpec<SS extends z.ZodType, A extends Record<string, AnyActionSpec<z.output<SS>>>>
  extends AgentSettingsInput {
  state: { schema: SS; initial: z.input<SS> };
  lifecycle?: AgentSettingsInput["lifecycle"] & LifecycleHooks<z.output<SS>>;
  /** Receives `action`, which types each action's `run` against this agent's state. */
  actions: (action: ActionFactory<z.output<SS>>) => A;
}

export interface AgentDefinition<S = unknown, A extends Record<string, AnyActionSpec<S>> = Record<string, AnyActionSpec<S>>>
  extends AgentSettings {
  readonly stateSchema: z.ZodType<S>;
  readonly initialState: S;
  readonly hooks: LifecycleHooks<S>;
  readonly actions: A;
}

export type AnyAgentDefinition = AgentDefinition<unknown, Record<string, AnyActionSpec<unknown>>>;
export type ActionName<D> = D extends AgentDefinition<infer _S, infer A> ? Extract<keyof A, string> : never;
export type ActionInput<D, K extends ActionName<D>> =
  D extends AgentDefinition<infer _S, infer A> ? z.input<A[K]["input"]> : never;
export type ActionOutput<D, K extends ActionName<D>> =
  D extends AgentDefinition<infer _S, infer A> ? z.output<A[K]["output"]> : never;
export type StateOf<D> = D extends AgentDefinition<infer S, infer _A> ? S : never;
export type { Resources };

/** A definition that fails validation; `path` names the field. */
export class AgentDefinitionError extends Error {
  readonly path: string;
  constructor(agent: string, path: string, message: string) {
    super(`agent '${agent}': ${path}: ${message}`);
    this.name = "AgentDefinitionError";
    this.path = path;
  }
}

const ACTION_NAME = /^[a-z][a-z0-9_]{0,63}$/;

const checkActions = <S>(name: string, actions: Record<string, AnyActionSpec<S>>): void => {
  const entries = Object.entries(actions);
  if (entries.length === 0) throw new AgentDefinitionError(name, "actions", "declare at least one action");
  for (const [actionName, spec] of entries) {
    const at = `actions.${actionName}`;
    if (!ACTION_NAME.test(actionName)) {
      throw new AgentDefinitionError(name, at, "action names are 1-64 characters of a-z 0-9 _ starting with a letter");
    }
    if (!(spec.input instanceof z.ZodType)) throw new AgentDefinitionError(name, `${at}.input`, "must be a zod schema");
    if (!(spec.output instanceof z.ZodType)) throw new AgentDefinitionError(name, `${at}.output`, "must be a zod schema");
    if (typeof spec.run !== "function") throw new AgentDefinitionError(name, `${at}.run`, "must be a function");
    if (spec.timeout !== undefined && !(Number.isInteger(spec.timeout) && spec.timeout > 0)) {
      throw new AgentDefinitionError(name, `${at}.timeout`, "must be a positive integer of milliseconds");
    }
  }
};

export function defineAgent<SS extends z.ZodType, A extends Record<string, AnyActionSpec<z.output<SS>>>>(
  spec: AgentSpec<SS, A>,
): AgentDefinition<z.output<SS>, A> {
  const label = typeof spec.name === "string" ? spec.name : "(unnamed)";
  const settings = parseAgentSettings(spec, (path, message) => new AgentDefinitionError(label, path, message));
  if (!(spec.state?.schema instanceof z.ZodType)) {
    throw new AgentDefinitionError(label, "state.schema", "must be a zod schema");
  }
  const initial = spec.state.schema.safeParse(spec.state.initial);
  if (!initial.success) {
    const issue = initial.error.issues[0];
    const path = ["state", "initial", ...(issue?.path ?? []).map(String)].join(".");
    throw new AgentDefinitionError(label, path, issue?.message ?? "does not match state.schema");
  }
  if (typeof spec.actions !== "function") {
    throw new AgentDefinitionError(label, "actions", "must be a function (action) => ({ ...actions })");
  }
  const actions = spec.actions((action) => action);
  checkActions(label, actions);
  const hooks: LifecycleHooks<z.output<SS>> = {};
  for (const hook of ["onStart", "onTerminate", "onConfigChange", "onHealthCheck"] as const) {
    const fn = spec.lifecycle?.[hook];
    if (fn !== undefined && typeof fn !== "function") {
      throw new AgentDefinitionError(label, `lifecycle.${hook}`, "must be a function");
    }
  }
  if (spec.lifecycle?.onStart) hooks.onStart = spec.lifecycle.onStart;
  if (spec.lifecycle?.onTerminate) hooks.onTerminate = spec.lifecycle.onTerminate;
  if (spec.lifecycle?.onConfigChange) hooks.onConfigChange = spec.lifecycle.onConfigChange;
  if (spec.lifecycle?.onHealthCheck) hooks.onHealthCheck = spec.lifecycle.onHealthCheck;
  if (settings.supervision.healthCheck && !hooks.onHealthCheck) {
    throw new AgentDefinitionError(label, "lifecycle.onHealthCheck", "is required when supervision.healthCheck is set");
  }
  return Object.freeze({
    ...settings,
    stateSchema: spec.state.schema as z.ZodType<z.output<SS>>,
    initialState: initial.data as z.output<SS>,
    hooks,
    actions,
  });
}
