// AgentObject: one Durable Object per agent, hosting every agent type. A thin shell:
// it parses RPC input, loads itself from storage on start (recovery), and delegates to
// the call, lifecycle and checkpoint modules and to its upkeep (upkeep.ts: the alarm,
// re-armed from stored deadlines). Domain failures are answered as Result data;
// infrastructure errors are thrown so the Worker can classify and retry them.
import { DurableObject } from "cloudflare:workers";
import type { AgentSummary, AgentView } from "../../src/platform/agent/agent-meta.ts";
import type { Checkpoint } from "../../src/platform/agent/checkpoint.ts";
import type { AgentRegistry } from "../../src/platform/agent/registry.ts";
import {
  agentAddressSchema,
  callRequestSchema,
  restoreRequestSchema,
  spawnRequestSchema,
  type AgentAddress,
  type CallOutcome,
  type CallRequest,
  type RestoreRequest,
  type SpawnOutcome,
  type SpawnRequest,
} from "../../src/platform/agent/rpc.ts";
import { asResult, type Result } from "../../src/platform/result.ts";
import { createTelemetry } from "../../src/platform/telemetry/emitter.ts";
import { createLogger } from "../../src/platform/telemetry/logger.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import { type AgentCore, armAlarm, createCore, loadCore, requireAgent, requireAuthorized, viewOf } from "./core.ts";
import { auditSink, traceObject } from "../durable/index.ts";
import { ATTR_ACTION, ATTR_AGENT_ID, ATTR_AGENT_TYPE } from "../../src/platform/telemetry/semconv.ts";
import { revocationCheck } from "../security/index.ts";
import { readConfig } from "../config/index.ts";
import { platformCache } from "../cache/index.ts";
import { agentCaller } from "./peers.ts";
import { agentPools } from "./pools.ts";
import { createAgentQuota } from "./quota.ts";
import { type AgentUpkeep, createAgentUpkeep, OUTBOX_RETRY_MS } from "./upkeep.ts";
import { grantCapability, pageGrants, revokeGrant } from "./grants.ts";
import type { GrantRequest } from "../../src/platform/security/grants.ts";
import type { GrantView } from "../../src/platform/security/grants.ts";
import type { Page } from "../../src/platform/pagination.ts";
import { paginationQuery, type PaginationQuery } from "../../src/platform/pagination.ts";
import { idSchema } from "../../src/platform/ids.ts";
import { requestKeySchema } from "../../src/platform/request-key.ts";
import { type Caller, callerSchema } from "../../src/platform/security/caller.ts";
import { callAction } from "./calls.ts";
import { restoreAgent, takeCheckpoint } from "./checkpoint.ts";
import { destroyAgent, recoverInterrupted, setPaused, spawnAgent, startAgent, stopAgent } from "./lifecycle.ts";
import { createAgentStore } from "./store.ts";
import { type AgentLive, createAgentLive } from "./live.ts";
import { CLOSE } from "../../src/platform/live/limits.ts";
import { ticketRequestSchema, type TicketRequest, type TicketScope } from "../../src/platform/live/ticket.ts";
import { type AgentDirectory, createAgentDirectory, refreshDelay } from "./directory.ts";
import { agentGauges } from "../../src/platform/metrics/agent-gauges.ts";
import { watchMetrics } from "../metrics/index.ts";
import type { AgentStatus } from "../../src/platform/agent/agent-meta.ts";
import type { LoadFigures } from "../../src/platform/discovery/load.ts";

/** What `load` answers: the agent's status and its load figures now. */
export type AgentLoad = LoadFigures & { status: AgentStatus };
import { cancelSchedule, createSchedule, listSchedules, schedulesOf } from "./schedules.ts";
import { SCHEDULE_LIMITS, type ScheduleView, scheduleView } from "../../src/platform/schedules/schedule.ts";

// Declared with their real types for the compiler's sake, and parsed all the same: an
// RPC caller is another program, and nothing it sends is trusted.
const address = (raw: AgentAddress) => parseOrProblem(agentAddressSchema, raw, "address");
const caller = (raw: Caller) => parseOrProblem(callerSchema, raw, "caller");

export const defineAgentObject = (registry: AgentRegistry) =>
  class AgentObject extends DurableObject<Env> {
    readonly #core: AgentCore;
    readonly #directory: AgentDirectory;
    readonly #metrics: ReturnType<typeof watchMetrics>;
    readonly #live: AgentLive;
    readonly #upkeep: AgentUpkeep;

    // Each RPC method and the alarm in a span; the agent type's own sample rate decides
    // where its traces begin (sampling.ts).
    static {
      traceObject(this, {
        sampleRate: (self) => (self.#core.meta ? registry.get(self.#core.meta.type)?.observability.tracing.sampleRate : undefined),
        attributes: (self, method, args) => {
          const meta = self.#core.meta;
          const action = method === "call" ? (args[2] as { action?: unknown } | undefined)?.action : undefined;
          return { ...(meta ? { [ATTR_AGENT_TYPE]: meta.type, [ATTR_AGENT_ID]: meta.id } : {}), ...(typeof action === "string" ? { [ATTR_ACTION]: action } : {}) };
        },
      });
    }

    constructor(ctx: DurableObjectState, env: Env) {
      super(ctx, env);
      const telemetry = createTelemetry();
      const deps = {
        now: Date.now,
        random: Math.random,
        sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
        newId: () => crypto.randomUUID(),
        telemetry,
        log: createLogger({ base: { component: "agent" }, level: () => registry.get(this.#core?.meta?.type ?? "")?.observability.logLevel, context: () => (this.#core?.meta ? { tenant: this.#core.meta.tenant, agent: this.#core.meta.id } : undefined) }),
      };
      const audit = auditSink(env.STREAMS, telemetry);
      // Armed from synchronous commit paths, so not awaited here; a failure is handled:
      // the alarm is known unset again (the next arming sets it) and the failure logged.
      const setAlarm = (at: number): void => {
        ctx.storage.setAlarm(at).catch((error: unknown) => {
          if (this.#core.alarmAt === at) this.#core.alarmAt = null;
          deps.log.error("setting the alarm failed", { at, error: error instanceof Error ? error.message : String(error) });
        });
      };
      this.#core = createCore(createAgentStore(ctx.storage), registry, deps, setAlarm, audit);
      this.#core.deps.readConfig = (tenant) => readConfig(env, tenant, telemetry);
      this.#core.deps.callAgent = agentCaller(this.#core, env.AGENTS, telemetry, revocationCheck(env.REVOCATIONS, telemetry));
      this.#core.deps.cache = (tenant) => platformCache(env, tenant, { telemetry, waitUntil: (promise) => ctx.waitUntil(promise) });
      this.#core.deps.pools = agentPools(this.#core, env, telemetry, revocationCheck(env.REVOCATIONS, telemetry));
      this.#core.onOutbox = () => {
        // The alarm is the durable backstop; the immediate drain is the fast path.
        armAlarm(this.#core, Date.now() + OUTBOX_RETRY_MS);
        this.ctx.waitUntil(this.#upkeep.drain());
      };
      this.#core.quota = createAgentQuota(this.#core, ctx.storage, env.QUOTAS, telemetry);
      this.#directory = createAgentDirectory(this.#core, env);
      this.#live = createAgentLive(this.#core, ctx);
      this.#core.onStateCommit = (meta, stateJson) => this.#live.committed(meta, stateJson);
      this.#metrics = watchMetrics(telemetry, env, ctx, { tenant: () => this.#core.meta?.tenant, agentMetrics: (type) => registry.get(type)?.observability.metrics, sample: () => agentGauges(this.#core.meta && this.#core.guards ? { tenant: this.#core.meta.tenant, type: this.#core.meta.type, breaker: this.#core.guards.breaker.snapshot().state, bulkhead: this.#core.guards.bulkhead.stats() } : null) });
      this.#upkeep = createAgentUpkeep({ core: this.#core, storage: ctx.storage, streams: env.STREAMS, directory: this.#directory, metrics: this.#metrics });
      this.#core.onSchedules = () => this.#upkeep.armSchedules();
      this.#core.deps.listSchedules = async () => schedulesOf(this.#core).all(SCHEDULE_LIMITS.perAgent).map(scheduleView);
      this.#core.onStatusChange = () => {
        // The registration right after the commit is the fast path. Its durable backstop is
        // the refresh alarm (an agent always has one): a crash before the shard acknowledged
        // heals within a refresh period, and only a registration that failed is retried
        // sooner. Arming a short backstop for every change instead woke every agent of a
        // burst of spawns again seconds later, doubling its storage work.
        armAlarm(this.#core, Date.now() + refreshDelay(Math.random));
        this.#upkeep.armSchedules();
        ctx.waitUntil(this.#directory.changed().then(() => this.#upkeep.retryDirectoryIfPending()));
      };
      void ctx
        .blockConcurrencyWhile(async () => {
          loadCore(this.#core);
          recoverInterrupted(this.#core);
          this.#live.resumed();
          await this.#upkeep.rearm();
        })
        // A shard may have lost updates: every start of the object refreshes its entry, and
        // only one that failed brings the alarm forward to the retry period.
        .then(() => {
          if (this.#core.meta) ctx.waitUntil(this.#directory.register().then(() => this.#upkeep.retryDirectoryIfPending()));
        });
    }

    spawn(at: AgentAddress, by: Caller, request: SpawnRequest): Promise<Result<SpawnOutcome<AgentView | AgentSummary>>> {
      return asResult(() => spawnAgent(this.#core, address(at), caller(by), parseOrProblem(spawnRequestSchema, request)));
    }

    get(at: AgentAddress, by: Caller): Promise<Result<AgentView>> {
      return asResult(async () => viewOf(this.#core, await requireAuthorized(this.#core, address(at), caller(by), "read")));
    }

    /**
     * The agent's type (404 when there is no agent), nothing else and without a capability
     * check: the Worker uses it to refuse a reference to a missing agent (a subscription's target).
     */
    identify(at: AgentAddress): Promise<Result<{ type: string }>> {
      return asResult(async () => ({ type: requireAgent(this.#core, address(at)).type }));
    }

    /**
     * The agent's status and load figures now, without a capability check (figures only, as
     * the directory lists them): its group controller polls them on each evaluation.
     */
    load(at: AgentAddress): Promise<Result<AgentLoad>> {
      return asResult(async () => {
        const meta = requireAgent(this.#core, address(at));
        const busy = this.#core.guards?.bulkhead.stats() ?? { active: 0, queued: 0 };
        return { status: meta.status, ...this.#core.load.figures(Date.now(), { inFlight: busy.active, queueLength: busy.queued }) };
      });
    }

    call(at: AgentAddress, by: Caller, request: CallRequest): Promise<Result<CallOutcome>> {
      return asResult(() => callAction(this.#core, address(at), caller(by), parseOrProblem(callRequestSchema, request)));
    }

    pause(at: AgentAddress, by: Caller): Promise<Result<AgentView>> {
      return asResult(() => setPaused(this.#core, address(at), caller(by), true));
    }

    resume(at: AgentAddress, by: Caller): Promise<Result<AgentView>> {
      return asResult(() => setPaused(this.#core, address(at), caller(by), false));
    }

    stop(at: AgentAddress, by: Caller): Promise<Result<AgentView>> {
      return asResult(() => stopAgent(this.#core, address(at), caller(by)));
    }

    start(at: AgentAddress, by: Caller): Promise<Result<AgentView>> {
      return asResult(() => startAgent(this.#core, address(at), caller(by)));
    }

    destroy(at: AgentAddress, by: Caller): Promise<Result<null>> {
      return asResult(async () => {
        const before = requireAgent(this.#core, address(at));
        await destroyAgent(this.#core, address(at), caller(by), () => this.#upkeep.drain());
        this.#live.closeAll(CLOSE.gone, "agent deleted");
        await this.#directory.unregister(before);
        return null;
      });
    }

    checkpoint(at: AgentAddress, by: Caller): Promise<Result<Checkpoint>> {
      return asResult(() => takeCheckpoint(this.#core, address(at), caller(by)));
    }

    restore(at: AgentAddress, by: Caller, request: RestoreRequest): Promise<Result<SpawnOutcome<AgentView | AgentSummary>>> {
      return asResult(async () => {
        const { checkpoint } = parseOrProblem(restoreRequestSchema, request);
        const outcome = await restoreAgent(this.#core, address(at), caller(by), checkpoint);
        await this.#upkeep.rearm();
        return outcome;
      });
    }

    /** `requestKey`: the client's Idempotency-Key or the platform's key of the request; the grant's id derives from it. */
    grant(at: AgentAddress, by: Caller, request: GrantRequest, requestKey: string): Promise<Result<GrantView>> {
      return asResult(() => grantCapability(this.#core, address(at), caller(by), request, parseOrProblem(requestKeySchema, requestKey, "requestKey")));
    }

    revoke(at: AgentAddress, by: Caller, grantId: string): Promise<Result<null>> {
      return asResult(() => revokeGrant(this.#core, address(at), caller(by), parseOrProblem(idSchema, grantId, "grantId")));
    }

    grants(at: AgentAddress, by: Caller, query: PaginationQuery): Promise<Result<Page<GrantView>>> {
      return asResult(() => pageGrants(this.#core, address(at), caller(by), parseOrProblem(paginationQuery, query, "query")));
    }

    /** `requestKey`: the client's Idempotency-Key or the platform's key of the request; an id-less schedule's id derives from it. */
    schedule(at: AgentAddress, by: Caller, request: unknown, requestKey: string): Promise<Result<{ created: boolean; schedule: ScheduleView }>> {
      return asResult(() => createSchedule(this.#core, address(at), caller(by), request, parseOrProblem(requestKeySchema, requestKey, "requestKey")));
    }

    schedules(at: AgentAddress, by: Caller, query: PaginationQuery): Promise<Result<Page<ScheduleView>>> {
      return asResult(() => listSchedules(this.#core, address(at), caller(by), query));
    }

    unschedule(at: AgentAddress, by: Caller, scheduleId: string): Promise<Result<null>> {
      return asResult(async () => {
        await cancelSchedule(this.#core, address(at), caller(by), parseOrProblem(idSchema, scheduleId, "scheduleId"));
        return null;
      });
    }

    /** A single-use ticket for a live socket (POST /v1/tickets; objects/agent/live.ts). */
    issueTicket(at: AgentAddress, by: Caller, request: TicketRequest): Promise<Result<{ ticket: string; scope: TicketScope; expiresAt: number }>> {
      return asResult(() => this.#live.issue(address(at), caller(by), parseOrProblem(ticketRequestSchema, request).scope));
    }

    /** The live socket's upgrade, forwarded by the Worker with the ticket (the only way in: no caller is taken from the request). */
    override fetch(request: Request): Promise<Response> {
      return this.#live.upgrade(request);
    }

    override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
      return this.#live.message(ws, message);
    }

    override webSocketClose(ws: WebSocket, code: number): void {
      this.#live.closed(ws, code);
    }

    override alarm(): Promise<void> {
      return this.#upkeep.run();
    }
  };

/** The class as the runtime sees it (one per deployment, whatever its agent types). */
export type AgentObject = InstanceType<ReturnType<typeof defineAgentObject>>;
