// Coordinator: one Durable Object per workflow run. It binds the participants (through
// discovery, or explicitly, or by spawning agents for the run), then
// drives the run's state machine (src/platform/workflow/interpreter.ts): every
// transition is persisted, with its events, before anything is acted on; agents are
// called with keys derived from run and step, so a retried or resumed step has its
// effect once; timeouts and retry backoff live on the object's alarm, which also
// resumes calls that a crash interrupted. A run that has ended, once its events are
// published and the runs index knows its final status, is kept JIDO_RUN_RETENTION_DAYS
// after it ended; then its alarm deletes the object's storage and the run is unknown
// (404), like a run that never existed.
import { DurableObject } from "cloudflare:workers";
import { keyReuseProblem } from "../../src/platform/agent/idempotency.ts";
import { createMailbox } from "../../src/platform/agent/mailbox.ts";
import type { AgentRegistry } from "../../src/platform/agent/registry.ts";
import { conflict, notFound, validationProblem } from "../../src/platform/problem.ts";
import { asResult, type Result } from "../../src/platform/result.ts";
import { type Caller, callerSchema } from "../../src/platform/security/caller.ts";
import { createTelemetry } from "../../src/platform/telemetry/emitter.ts";
import { createLogger } from "../../src/platform/telemetry/logger.ts";
import { catalogOf } from "../../src/platform/workflow/catalog.ts";
import { emitRunTelemetry } from "../../src/platform/workflow/run-telemetry.ts";
import { watchMetrics } from "../metrics/index.ts";
import { walkFlow, nodeName } from "../../src/platform/workflow/definition.ts";
import { type Advance, advance, type Effect, newRun, onCallResult, onCancel, onParticipantEvent, resumeEffects } from "../../src/platform/workflow/interpreter.ts";
import { isFinal } from "../../src/platform/workflow/run-state.ts";
import { cancelRefusal, signalFate } from "../../src/platform/workflow/run-requests.ts";
import { type RunView, runView } from "../../src/platform/workflow/run-view.ts";
import { runHomeShard, WATCHDOG_MS } from "../../src/platform/workflow/run-upkeep.ts";
import { runEvent, transitionEvents } from "../../src/platform/workflow/run-events.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import { parseDefinition } from "../../src/platform/workflow/parsed-definitions.ts";
import { publishDelay } from "../../src/platform/workflow/publish-delay.ts";
import { callForEffect, type RunAgents } from "./agent-calls.ts";
import { addressSchema, type RunAddress, type SignalOutcome, type SignalRequest, signalSchema, startEnvelopeSchema, type StartRequest } from "./coordinator-contract.ts";
import { bindRoles } from "./run-binding.ts";
import { createPublishPasses } from "./publish-passes.ts";
import { createRunStore, type StoredRun } from "./run-store.ts";
import { createRunUpkeep } from "./run-upkeep.ts";
import { createAlarmMemo, traceObject } from "../durable/index.ts";
import { ATTR_ACTION, ATTR_AGENT_ID, ATTR_RUN_ID, ATTR_STEP, ATTR_WORKFLOW } from "../../src/platform/telemetry/semconv.ts";
import { continueTrace, traceCarrier } from "../../src/platform/telemetry/spans.ts";

export type { RunAddress, SignalOutcome, SignalRequest, StartRequest } from "./coordinator-contract.ts";

export const defineCoordinator = (registry: AgentRegistry) => {
  const catalog = catalogOf(registry);
  return class Coordinator extends DurableObject<Env> {
    readonly #store = createRunStore(this.ctx.storage);
    /** The alarm as last set or read (objects/durable/alarm.ts): arming after each turn asks storage only when it is not known. */
    readonly #alarm = createAlarmMemo(this.ctx.storage);
    readonly #mailbox = createMailbox();
    readonly #telemetry = createTelemetry();
    readonly #log = createLogger({ base: { component: "coordinator" }, context: () => (this.#run ? { tenant: this.#run.state.tenant, run: this.#run.state.id } : undefined) });
    /** Calls under way by key; the token tells a call from a later one under the same key. */
    readonly #inFlight = new Map<string, object>();
    #run: StoredRun | undefined;
    /** Publishing passes and the run's retention, on the alarm (run-upkeep.ts). */
    readonly #upkeep = createRunUpkeep({
      env: () => this.env,
      store: this.#store,
      alarm: this.#alarm,
      telemetry: this.#telemetry,
      log: this.#log,
      callsUnderWay: () => this.#inFlight.size,
      current: () => this.#run,
      indexed: (latest) => (this.#run = latest),
    });
    /** Publishing after transitions, one pass at a time (publish-passes.ts). */
    readonly #afterTransition = createPublishPasses(
      () => (this.#run ? publishDelay(this.#run.state.status, this.#inFlight.size) : 0),
      () => this.#upkeep.publishPass(),
    );

    // Each RPC method in a span; the alarm continues the run's trace (stored with the run).
    static {
      traceObject(this, {
        alarmTrace: (self) => self.#run?.trace,
        attributes: (self) => (self.#run ? { [ATTR_RUN_ID]: self.#run.state.id, [ATTR_WORKFLOW]: self.#run.state.workflow } : {}),
      });
    }

    constructor(ctx: DurableObjectState, env: Env) {
      super(ctx, env);
      watchMetrics(this.#telemetry, env, ctx, { tenant: () => this.#run?.state.tenant });
      ctx.blockConcurrencyWhile(async () => {
        this.#run = this.#store.load();
        if (this.#run && !isFinal(this.#run.state.status)) await this.#alarm.set(Date.now());
        // Ended, with transitions or its final status not yet published (the process died in between): publish now.
        else if (this.#run && !this.#upkeep.settled(this.#run)) await this.#alarm.set(Date.now());
        // A run that ended before runs were deleted after their retention has no such alarm yet.
        else if (this.#run) await this.#upkeep.armExpiry();
        // No run stored: no alarm either (forgetting a run deletes its alarm first).
        else this.#alarm.none();
      });
    }

    #agents(run: StoredRun): RunAgents {
      return { agents: this.env.AGENTS, tenant: run.state.tenant, caller: run.caller, telemetry: this.#telemetry };
    }

    #view(run: StoredRun): RunView {
      return runView(run.state, [...walkFlow(run.definition.flow)].map(({ node }) => nodeName(node)));
    }

    #require(at: RunAddress): StoredRun {
      const { tenant, id } = parseOrProblem(addressSchema, at, "address");
      const run = this.#run;
      if (!run || run.state.tenant !== tenant || run.state.id !== id) throw notFound("Run", id);
      return run;
    }

    /** Persists a transition with its events, then acts on it: calls, alarm, index, outbox. */
    #apply(run: StoredRun, next: Advance): void {
      const previous = run.state;
      // Nothing changed (an alarm with nothing due, a late answer): nothing to write or act on.
      if (next.state === previous && next.events.length === 0 && next.effects.length === 0) {
        this.ctx.waitUntil(this.#afterTransition());
        return;
      }
      this.#store.save(
        next.state,
        previous,
        run.indexedStatus,
        transitionEvents(run.state, next.events, Date.now()),
      );
      this.#run = { ...run, state: next.state };
      this.#act(next);
    }

    /** Acts on a transition once it is persisted: its telemetry, its calls, then publishing. */
    #act(next: Advance): void {
      emitRunTelemetry(this.#telemetry, next.state, next.events, Date.now());
      for (const effect of next.effects) this.#perform(effect);
      this.ctx.waitUntil(this.#afterTransition());
    }

    #transition(fn: (run: StoredRun) => Advance): Promise<StoredRun> {
      return this.#mailbox.run(async () => {
        const run = this.#run;
        if (!run) throw new Error("no run");
        this.#apply(run, fn(run));
        return this.#run!;
      });
    }

    #perform(effect: Effect): void {
      if (this.#inFlight.has(effect.key)) return;
      const token = {};
      this.#inFlight.set(effect.key, token);
      const release = () => {
        if (this.#inFlight.get(effect.key) === token) this.#inFlight.delete(effect.key);
      };
      const run = this.#run!;
      // A step, compensation or timeout handler: a span of the run's trace, whatever resumed it.
      const attributes = { [ATTR_RUN_ID]: run.state.id, [ATTR_WORKFLOW]: run.state.workflow, [ATTR_AGENT_ID]: effect.agent, [ATTR_ACTION]: effect.action, ...("step" in effect ? { [ATTR_STEP]: effect.step } : {}) };
      const work = continueTrace(run.trace, `workflow.${effect.kind} ${"step" in effect ? effect.step : effect.action}`, { attributes }, () => callForEffect(this.#agents(run), effect))
        .then((outcome) =>
          this.#transition((current) => {
            // This call is over before its outcome is applied: a retry the outcome decides
            // (same key: a compensation, or a step with no backoff) must be made now, not
            // skipped as a duplicate until the next alarm resumes it.
            release();
            return onCallResult(current.definition, current.state, effect, outcome, Date.now());
          }),
        )
        .catch(async (error: unknown) => {
          // Not lost: the step is still `running` in storage, and the alarm performs it
          // again under the same key (the agent answers the first outcome). The watchdog
          // armed when the call started is already set; this keeps it so (should storage
          // fail here too, the object is reset and its constructor arms the alarm).
          this.#log.error("step outcome not recorded; the alarm performs the step again", { run: run.state.id, key: effect.key, error: String(error) });
          await this.#alarm.arm([Date.now() + WATCHDOG_MS]).catch(() => undefined);
        })
        .finally(release);
      this.ctx.waitUntil(work);
    }

    start(at: RunAddress, by: Caller, request: StartRequest): Promise<Result<{ created: boolean; run: RunView }>> {
      return asResult(() =>
        this.#mailbox.run(async () => {
          const { tenant, id } = parseOrProblem(addressSchema, at, "address");
          const caller = parseOrProblem(callerSchema, by, "caller");
          const { definition: rawDefinition, input, idempotency } = parseOrProblem(startEnvelopeSchema, request);
          const definition = parseDefinition(rawDefinition);
          if (this.#run) {
            if (this.#run.state.workflow !== definition.name) throw conflict(`Run '${id}' already exists for workflow '${this.#run.state.workflow}'.`);
            // The same key with another request is refused, as agent calls do; a run stored
            // before fingerprints were kept cannot tell, and replays.
            const stored = this.#run.fingerprint;
            if (idempotency && stored !== null && stored !== idempotency.fingerprint) throw keyReuseProblem(idempotency.key);
            return { created: false, run: this.#view(this.#run) };
          }
          const missing = definition.input.required.filter((field) => !Object.hasOwn(input, field));
          if (missing.length > 0) throw validationProblem(missing.map((field) => ({ path: field, message: "required by the workflow's input" })));
          const agents: RunAgents = { agents: this.env.AGENTS, tenant, caller, telemetry: this.#telemetry };
          const roles = await bindRoles(this.env, catalog, this.#telemetry, definition, id, agents);
          const bindings = Object.fromEntries(Object.entries(roles).map(([role, binding]) => [role, binding.agents.map((a) => a.id)]));
          const now = Date.now();
          const state = newRun(definition, { id, tenant, input, bindings, roles, shard: runHomeShard(undefined, id, this.env.JIDO_RUN_INDEX_SHARDS) }, now);
          // The run is stored as its first transition leaves it (its first steps running), with
          // that transition's events after its start's: one write, not the new run and then its first step.
          const first = advance(definition, state, now);
          const trace = traceCarrier();
          const run: StoredRun = { definition, caller, state: first.state, indexedStatus: null, fingerprint: idempotency?.fingerprint ?? null, ...(trace ? { trace } : {}) };
          this.#store.create(run, [
            runEvent(definition.name, id, "workflow.run.started", { run: id, workflow: definition.name, version: definition.version, bindings, roles }, now),
            ...transitionEvents(state, first.events, now),
          ]);
          this.#run = run;
          this.#telemetry.emit("workflow.run.started", { count: 1 }, { tenant, workflow: definition.name });
          this.#act(first);
          return { created: true, run: this.#view(run) };
        }),
      );
    }

    get(at: RunAddress): Promise<Result<RunView>> {
      return asResult(() => this.#view(this.#require(at)));
    }

    /** Refused (409, with the reason) once the run has ended or is failing; else it is cancelling, or cancelled at once. */
    cancel(at: RunAddress): Promise<Result<RunView>> {
      return asResult(async () => {
        this.#require(at);
        const run = await this.#transition((current) => {
          const refusal = cancelRefusal(current.state);
          if (refusal) throw conflict(refusal.reason, { code: refusal.code });
          return onCancel(current.definition, current.state, Date.now());
        });
        return this.#view(run);
      });
    }

    /** Delivered or buffered; refused (409, with the reason) when nothing in the run awaits it. */
    signal(at: RunAddress, event: SignalRequest): Promise<Result<SignalOutcome>> {
      return asResult(async () => {
        this.#require(at);
        const parsed = parseOrProblem(signalSchema, event);
        let taken: Omit<SignalOutcome, "run"> | undefined;
        const run = await this.#transition((current) => {
          const fate = signalFate(current.definition, current.state, parsed);
          if (fate.status === "refused") throw conflict(fate.reason, { code: fate.code });
          taken = { status: fate.status, await: fate.await };
          return onParticipantEvent(current.definition, current.state, parsed, Date.now());
        });
        return { ...taken!, run: this.#view(run) };
      });
    }

    /** Deadlines, retries, resuming interrupted calls, and publishing: all idempotent. */
    override async alarm(): Promise<void> {
      // The runtime clears the alarm it fires (or retries it if this fails): read it again when needed.
      this.#alarm.unknown();
      const run = this.#run;
      if (!run) return;
      if (this.#upkeep.expired(run)) {
        await this.#mailbox.run(async () => {
          await this.#store.forget();
          this.#alarm.none();
          this.#run = undefined;
        });
        return;
      }
      if (!isFinal(run.state.status)) {
        await this.#transition((current) => advance(current.definition, current.state, Date.now()));
        const current = this.#run!;
        for (const effect of resumeEffects(current.definition, current.state)) this.#perform(effect);
      }
      await this.#afterTransition();
    }
  };
};

/** The class as the runtime sees it (one per deployment, whatever its agent types). */
export type Coordinator = InstanceType<ReturnType<typeof defineCoordinator>>;
