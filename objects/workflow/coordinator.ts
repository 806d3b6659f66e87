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
import { z } from "zod";
import { keyReuseProblem } from "../../src/platform/agent/idempotency.ts";
import { createMailbox } from "../../src/platform/agent/mailbox.ts";
import type { AgentRegistry } from "../../src/platform/agent/registry.ts";
import { callDurable } from "../../src/platform/durable-call.ts";
import { idSchema } from "../../src/platform/ids.ts";
import { conflict, notFound, validationProblem } from "../../src/platform/problem.ts";
import { asResult, type Result } from "../../src/platform/result.ts";
import { type Caller, callerSchema } from "../../src/platform/security/caller.ts";
import { createTelemetry } from "../../src/platform/telemetry/emitter.ts";
import { createLogger } from "../../src/platform/telemetry/logger.ts";
import { catalogOf } from "../../src/platform/workflow/catalog.ts";
import { bindDiscovered, planBinding } from "../../src/platform/workflow/bind-plan.ts";
import { fixedBinding, type RoleBinding } from "../../src/platform/workflow/binding.ts";
import { emitRunTelemetry } from "../../src/platform/workflow/run-telemetry.ts";
import { watchMetrics } from "../metrics/index.ts";
import { type WorkflowDefinition, workflowDefinitionSchema, walkFlow, nodeName } from "../../src/platform/workflow/definition.ts";
import { type Advance, advance, type Effect, newRun, nextWakeUp, onCallResult, onCancel, onParticipantEvent, resumeEffects } from "../../src/platform/workflow/interpreter.ts";
import { isFinal, type RunState } from "../../src/platform/workflow/run-state.ts";
import { cancelRefusal, signalFate } from "../../src/platform/workflow/run-requests.ts";
import { runSummary, type RunView, runView } from "../../src/platform/workflow/run-view.ts";
import { workflowRegistryName } from "../../src/platform/workflow/naming.ts";
import { runShardCount, runShardOf, runsIndexShardName } from "../../src/platform/workflow/run-shards.ts";
import { workflowShardStream } from "../../src/platform/events/reserved-streams.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import { traceCarrierSchema } from "../../src/platform/telemetry/trace-context.ts";
import { parseDefinition } from "../../src/platform/workflow/parsed-definitions.ts";
import { publishDelay } from "../../src/platform/workflow/publish-delay.ts";
import { storageBounds } from "../../src/platform/storage-bounds.ts";
import { callForEffect, type RunAgents, spawnForRun } from "./agent-calls.ts";
import { createRunStore, type StoredRun } from "./run-store.ts";
import { discoverForBinding } from "../directory/index.ts";
import { armEarliest, drainOutbox, traceObject, typedStub } from "../durable/index.ts";
import { ATTR_ACTION, ATTR_AGENT_ID, ATTR_RUN_ID, ATTR_STEP, ATTR_WORKFLOW } from "../../src/platform/telemetry/semconv.ts";
import { continueTrace, traceCarrier } from "../../src/platform/telemetry/spans.ts";

/** `trace`: the caller's span, which the coordinator's span continues (objects/durable/tracing.ts). */
const addressSchema = z.strictObject({ tenant: idSchema, id: idSchema, trace: traceCarrierSchema.optional() });
const startSchema = z.strictObject({
  definition: workflowDefinitionSchema,
  input: z.record(z.string(), z.unknown()),
  /** The client's Idempotency-Key and the fingerprint of its request, when it sent one. */
  idempotency: z.strictObject({ key: z.string().min(1).max(256), fingerprint: z.string().min(1).max(128) }).nullable().default(null),
});
/** The start request with its definition left for parseDefinition (parsed once per text and isolate). */
const startEnvelopeSchema = startSchema.extend({ definition: z.unknown() });
const signalSchema = z.strictObject({ type: z.string().min(1).max(128), role: z.string().max(64).nullable().default(null), data: z.unknown().default(null) });
export type RunAddress = z.input<typeof addressSchema>;
export type StartRequest = z.input<typeof startSchema>;
export type SignalRequest = z.input<typeof signalSchema>;

/** While a call is under way, the alarm comes back this often to resume it if the process died. */
const WATCHDOG_MS = 5_000;

/** What became of a participant event: delivered to an await that waited, or buffered for one that has not opened. */
export type SignalOutcome = { status: "delivered" | "buffered"; await: string; run: RunView };

export const defineCoordinator = (registry: AgentRegistry) => {
  const catalog = catalogOf(registry);
  return class Coordinator extends DurableObject<Env> {
    readonly #store = createRunStore(this.ctx.storage);
    readonly #mailbox = createMailbox();
    readonly #telemetry = createTelemetry();
    readonly #log = createLogger({ base: { component: "coordinator" }, context: () => (this.#run ? { tenant: this.#run.state.tenant, run: this.#run.state.id } : undefined) });
    /** Calls under way by key; the token tells a call from a later one under the same key. */
    readonly #inFlight = new Map<string, object>();
    #run: StoredRun | undefined;
    /** A publishing pass under way, and whether a transition came after it began (then it runs once more). */
    #publishing: Promise<void> | null = null;
    #unpublished = false;

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
        if (this.#run && !isFinal(this.#run.state.status)) await this.ctx.storage.setAlarm(Date.now());
        // Ended, with transitions or its final status not yet published (the process died in between): publish now.
        else if (this.#run && !this.#settled(this.#run)) await this.ctx.storage.setAlarm(Date.now());
        // A run that ended before runs were deleted after their retention has no such alarm yet.
        else await this.#armExpiry();
      });
    }

    /** Ended, its events published and its final status in the runs index: only its retention is left. */
    #settled(run: StoredRun): boolean {
      return isFinal(run.state.status) && run.indexedStatus === run.state.status && this.#store.outbox.pending() === 0;
    }

    /** The deployment's run retention (its variables do not change while the object lives). */
    #retentionMs: number | undefined;

    #expiresAt(run: StoredRun): number {
      this.#retentionMs ??= storageBounds(this.env).runRetentionMs;
      return run.state.updatedAt + this.#retentionMs;
    }

    /** Once the run is settled, the alarm comes back when its retention ends (or earlier, for something else). */
    async #armExpiry(): Promise<void> {
      const run = this.#run;
      if (run && this.#settled(run)) await armEarliest(this.ctx.storage, [this.#expiresAt(run)]);
    }

    /**
     * After a publishing pass: a run that is now settled needs its alarm only when its
     * retention ends, so the fallback armed before publishing (a second after) moves
     * there instead of waking the object for a pass with nothing to do.
     */
    async #armAfterPass(): Promise<void> {
      const run = this.#run;
      if (!run || !this.#settled(run)) return;
      const at = this.#expiresAt(run);
      if ((await this.ctx.storage.getAlarm()) !== at) await this.ctx.storage.setAlarm(at);
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
      this.#store.save(
        next.state,
        previous,
        run.indexedStatus,
        next.events.map((event) => ({
          id: crypto.randomUUID(),
          source: `workflow/${run.state.workflow}/${run.state.id}`,
          type: event.type,
          subject: run.state.id,
          time: new Date().toISOString(),
          data: event.data,
        })),
      );
      this.#run = { ...run, state: next.state };
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
          await armEarliest(this.ctx.storage, [Date.now() + WATCHDOG_MS]).catch(() => undefined);
        })
        .finally(release);
      this.ctx.waitUntil(work);
    }

    /**
     * Publishing after transitions, one pass at a time: every transition applied while a
     * pass is under way (and every one of the same turn, which come before its first
     * await, and those of the next PUBLISH_COALESCE_MS while calls are under way) is
     * published by the next pass, so the events of all of them go in one append
     * instead of one per transition, and no two passes append the same events.
     */
    #afterTransition(): Promise<void> {
      this.#unpublished = true;
      this.#publishing ??= this.#publishPasses();
      return this.#publishing;
    }

    async #publishPasses(): Promise<void> {
      try {
        await null; // the rest of this turn's transitions are applied first
        // While calls are under way, their outcomes' turns (due in moments) join this pass.
        const run = this.#run;
        const delay = run ? publishDelay(run.state.status, this.#inFlight.size) : 0;
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        while (this.#unpublished) {
          this.#unpublished = false;
          await this.#publishPass();
        }
      } finally {
        this.#publishing = null;
      }
    }

    async #publishPass(): Promise<void> {
      const run = this.#run;
      if (!run) return;
      const wake = nextWakeUp(run.state);
      const busy = !isFinal(run.state.status) && this.#inFlight.size > 0 ? Date.now() + WATCHDOG_MS : null;
      const pending = this.#store.outbox.pending() > 0 || run.indexedStatus !== run.state.status ? Date.now() + 1_000 : null;
      await armEarliest(this.ctx.storage, [wake, busy, pending]);
      await this.#publish(run);
      await this.#armAfterPass();
    }

    /** The run's shard: the one it was indexed in, else the hash of its id over the deployment's shard count. */
    #shardOf(run: StoredRun): number {
      return typeof run.indexedIn === "number" ? run.indexedIn : runShardOf(run.state.id, runShardCount(this.env.JIDO_RUN_INDEX_SHARDS));
    }

    /** Drains transition events to the run shard's `workflow.<k>` stream and keeps the runs index current. */
    async #publish(run: StoredRun): Promise<void> {
      try {
        const stream = workflowShardStream(this.#shardOf(run));
        await drainOutbox({ ...this.#store.outbox, streamOf: () => stream }, { streams: this.env.STREAMS, tenant: run.state.tenant, telemetry: this.#telemetry });
        const current = this.#run;
        const status = current?.state.status;
        if (current && status && current.indexedStatus !== status) {
          const { state } = current;
          // A run indexed before the shards existed is finished where it was indexed, so it is listed once.
          const home = current.indexedIn === "registry" ? "registry" : this.#shardOf(current);
          const summary = runSummary(state);
          if (home === "registry") {
            const registry = typedStub(this.env.WORKFLOWS.get(this.env.WORKFLOWS.idFromName(workflowRegistryName(state.tenant))));
            await callDurable("workflow.index", () => registry.recordRun({ tenant: state.tenant }, summary), this.#telemetry);
          } else {
            const shard = typedStub(this.env.RUNS_INDEX.get(this.env.RUNS_INDEX.idFromName(runsIndexShardName(state.tenant, home))));
            await callDurable("workflow.index", () => shard.recordRun({ tenant: state.tenant, shard: home }, summary), this.#telemetry);
          }
          // The run may have moved on meanwhile: its latest state is kept, and only the status indexed is recorded as indexed.
          const latest = this.#run;
          if (latest) {
            this.#store.setIndexed(latest.state, status, home);
            this.#run = { ...latest, indexedStatus: status, indexedIn: home };
          }
        }
      } catch (error) {
        this.#log.warn("publishing run transitions failed; the alarm retries", { run: run.state.id, error: String(error) });
      }
    }

    /**
     * Binds each role (see bindRoles): discovery first, all roles in one query per
     * directory shard; a role short of min_count refuses the start (409) before anything
     * is spawned or stored; then the roles that spawn agents for the run spawn them.
     */
    async #bind(definition: WorkflowDefinition, runId: string, agents: RunAgents): Promise<Record<string, RoleBinding>> {
      const plan = planBinding(definition, catalog);
      const answers = plan.queries.length === 0
        ? []
        : await discoverForBinding({ env: this.env, tenant: agents.tenant, telemetry: this.#telemetry }, plan.queries.map((q) => q.query), { locationHint: null, jurisdiction: null });
      const roles = bindDiscovered(definition, plan, answers, Math.random);
      await Promise.all(
        plan.spawns.map(async ({ role, type, count }) => {
          const ids = Array.from({ length: count }, (_, n) => `${runId}.${role}.${n + 1}`);
          await Promise.all(ids.map((id) => spawnForRun(agents, id, type)));
          roles[role] = fixedBinding(ids, "spawned");
        }),
      );
      return roles;
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
          const roles = await this.#bind(definition, id, agents);
          const bindings = Object.fromEntries(Object.entries(roles).map(([role, binding]) => [role, binding.agents.map((a) => a.id)]));
          const now = Date.now();
          const state = newRun(definition, { id, tenant, input, bindings, roles }, now);
          const trace = traceCarrier();
          const run: StoredRun = { definition, caller, state, indexedStatus: null, fingerprint: idempotency?.fingerprint ?? null, ...(trace ? { trace } : {}) };
          this.#store.create(run, [
            { id: crypto.randomUUID(), source: `workflow/${definition.name}/${id}`, type: "workflow.run.started", subject: id, time: new Date(now).toISOString(), data: { run: id, workflow: definition.name, version: definition.version, bindings, roles } },
          ]);
          this.#run = run;
          this.#telemetry.emit("workflow.run.started", { count: 1 }, { tenant, workflow: definition.name });
          this.#apply(run, advance(definition, state, now));
          return { created: true, run: this.#view(this.#run!) };
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
      const run = this.#run;
      if (!run) return;
      if (this.#settled(run) && Date.now() >= this.#expiresAt(run)) {
        await this.#mailbox.run(async () => {
          await this.#store.forget();
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
