// AgentObject: one Durable Object per agent, hosting every agent type. A thin shell:
// it parses RPC input, loads itself from storage on start (recovery), re-arms its
// alarm from stored deadlines, and delegates to the call, lifecycle and checkpoint
// modules. Domain failures are answered as Result data; infrastructure errors are
// thrown so the Worker can classify and retry them.
import { DurableObject } from "cloudflare:workers";
import type { AgentView } from "../src/platform/agent/agent-meta.ts";
import type { Checkpoint } from "../src/platform/agent/checkpoint.ts";
import type { AgentRegistry } from "../src/platform/agent/registry.ts";
import {
  agentAddressSchema,
  callRequestSchema,
  restoreRequestSchema,
  spawnRequestSchema,
  type CallOutcome,
  type SpawnOutcome,
} from "../src/platform/agent/rpc.ts";
import { asResult, type Result } from "../src/platform/result.ts";
import { createTelemetry } from "../src/platform/telemetry/emitter.ts";
import { createLogger } from "../src/platform/telemetry/logger.ts";
import { parseOrProblem } from "../src/platform/zod-issues.ts";
import { type AgentCore, armAlarm, createCore, loadCore, requireAgent, requireAuthorized, viewOf } from "./agent-core.ts";
import { auditSink } from "./audit.ts";
import { agentCaller } from "./agent-peers.ts";
import { drainOutbox } from "./agent-outbox.ts";
import { grantCapability, pageGrants, revokeGrant } from "./agent-grants.ts";
import type { GrantView } from "../src/platform/security/grants.ts";
import type { Page } from "../src/platform/pagination.ts";
import { paginationQuery } from "../src/platform/pagination.ts";
import { idSchema } from "../src/platform/ids.ts";
import { callerSchema } from "../src/platform/security/caller.ts";
import type { Bindings } from "../src/env.ts";
import { callAction } from "./agent-calls.ts";
import { restoreAgent, takeCheckpoint } from "./agent-checkpoint.ts";
import { destroyAgent, recoverInterrupted, setPaused, spawnAgent, startAgent, stopAgent } from "./agent-lifecycle.ts";
import { createAgentStore } from "./agent-store.ts";

/** The RPC surface the Worker (and other agents) call; every method parses its own input. */
export interface AgentRpc {
  spawn(at: unknown, caller: unknown, request: unknown): Promise<Result<SpawnOutcome<AgentView>>>;
  get(at: unknown, caller: unknown): Promise<Result<AgentView>>;
  /**
   * The agent's type (404 when there is no agent), nothing else and without a capability
   * check: the Worker uses it to refuse a reference to a missing agent (a subscription's target).
   */
  identify(at: unknown): Promise<Result<{ type: string }>>;
  call(at: unknown, caller: unknown, request: unknown): Promise<Result<CallOutcome>>;
  pause(at: unknown, caller: unknown): Promise<Result<AgentView>>;
  resume(at: unknown, caller: unknown): Promise<Result<AgentView>>;
  stop(at: unknown, caller: unknown): Promise<Result<AgentView>>;
  start(at: unknown, caller: unknown): Promise<Result<AgentView>>;
  destroy(at: unknown, caller: unknown): Promise<Result<null>>;
  checkpoint(at: unknown, caller: unknown): Promise<Result<Checkpoint>>;
  restore(at: unknown, caller: unknown, request: unknown): Promise<Result<SpawnOutcome<AgentView>>>;
  grant(at: unknown, caller: unknown, request: unknown): Promise<Result<GrantView>>;
  revoke(at: unknown, caller: unknown, grantId: unknown): Promise<Result<null>>;
  grants(at: unknown, caller: unknown, query: unknown): Promise<Result<Page<GrantView>>>;
}

/** How soon the alarm retries an outbox that could not be drained right away. */
const OUTBOX_RETRY_MS = 1_000;

const address = (raw: unknown) => parseOrProblem(agentAddressSchema, raw, "address");
const caller = (raw: unknown) => parseOrProblem(callerSchema, raw, "caller");

export const defineAgentObject = (registry: AgentRegistry) =>
  class AgentObject extends DurableObject<Bindings> implements AgentRpc {
    readonly #core: AgentCore;

    constructor(ctx: DurableObjectState, env: Bindings) {
      super(ctx, env);
      const telemetry = createTelemetry();
      const deps = {
        now: Date.now,
        random: Math.random,
        sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
        newId: () => crypto.randomUUID(),
        telemetry,
        log: createLogger({ base: { component: "agent" } }),
      };
      const audit = auditSink(env.STREAMS, telemetry);
      this.#core = createCore(createAgentStore(ctx.storage), registry, deps, (at) => void ctx.storage.setAlarm(at), audit);
      this.#core.deps.callAgent = agentCaller(this.#core, env.AGENTS, telemetry);
      this.#core.onOutbox = () => {
        // The alarm is the durable backstop; the immediate drain is the fast path.
        armAlarm(this.#core, Date.now() + OUTBOX_RETRY_MS);
        this.ctx.waitUntil(this.#drain());
      };
      ctx.blockConcurrencyWhile(async () => {
        loadCore(this.#core);
        recoverInterrupted(this.#core);
        await this.#rearmAlarm();
      });
    }

    #draining: Promise<boolean> | null = null;
    #drainFailures = 0;

    /** Drains the outbox once at a time; a failure leaves the events for the alarm to retry. */
    #drain(): Promise<boolean> {
      this.#draining ??= drainOutbox(this.#core, this.env.STREAMS, this.#core.deps.telemetry)
        .then((empty) => {
          this.#drainFailures = 0;
          return empty;
        })
        .catch((error: unknown) => {
          this.#drainFailures++;
          this.#core.deps.log.warn("outbox drain failed", { error: error instanceof Error ? error.message : String(error), failures: this.#drainFailures });
          return false;
        })
        .finally(() => {
          this.#draining = null;
        });
      return this.#draining;
    }

    /** Re-arms the alarm from stored deadlines: idempotency expiry and undelivered events. */
    async #rearmAlarm(): Promise<void> {
      if (!this.#core.meta) return;
      const armed = await this.ctx.storage.getAlarm();
      this.#core.alarmAt = armed;
      const next = this.#core.store.nextIdempotencyExpiry();
      if (next !== null) armAlarm(this.#core, next);
      if (this.#core.store.outboxPending() > 0) armAlarm(this.#core, Date.now());
    }

    spawn(at: unknown, by: unknown, request: unknown): Promise<Result<SpawnOutcome<AgentView>>> {
      return asResult(() => spawnAgent(this.#core, address(at), caller(by), parseOrProblem(spawnRequestSchema, request)));
    }

    get(at: unknown, by: unknown): Promise<Result<AgentView>> {
      return asResult(async () => viewOf(this.#core, await requireAuthorized(this.#core, address(at), caller(by), "read")));
    }

    identify(at: unknown): Promise<Result<{ type: string }>> {
      return asResult(async () => ({ type: requireAgent(this.#core, address(at)).type }));
    }

    call(at: unknown, by: unknown, request: unknown): Promise<Result<CallOutcome>> {
      return asResult(() => callAction(this.#core, address(at), caller(by), parseOrProblem(callRequestSchema, request)));
    }

    pause(at: unknown, by: unknown): Promise<Result<AgentView>> {
      return asResult(() => setPaused(this.#core, address(at), caller(by), true));
    }

    resume(at: unknown, by: unknown): Promise<Result<AgentView>> {
      return asResult(() => setPaused(this.#core, address(at), caller(by), false));
    }

    stop(at: unknown, by: unknown): Promise<Result<AgentView>> {
      return asResult(() => stopAgent(this.#core, address(at), caller(by)));
    }

    start(at: unknown, by: unknown): Promise<Result<AgentView>> {
      return asResult(() => startAgent(this.#core, address(at), caller(by)));
    }

    destroy(at: unknown, by: unknown): Promise<Result<null>> {
      return asResult(async () => {
        await destroyAgent(this.#core, address(at), caller(by));
        return null;
      });
    }

    checkpoint(at: unknown, by: unknown): Promise<Result<Checkpoint>> {
      return asResult(() => takeCheckpoint(this.#core, address(at), caller(by)));
    }

    restore(at: unknown, by: unknown, request: unknown): Promise<Result<SpawnOutcome<AgentView>>> {
      return asResult(async () => {
        const { checkpoint } = parseOrProblem(restoreRequestSchema, request);
        const outcome = await restoreAgent(this.#core, address(at), caller(by), checkpoint);
        await this.#rearmAlarm();
        return outcome;
      });
    }

    grant(at: unknown, by: unknown, request: unknown): Promise<Result<GrantView>> {
      return asResult(() => grantCapability(this.#core, address(at), caller(by), request));
    }

    revoke(at: unknown, by: unknown, grantId: unknown): Promise<Result<null>> {
      return asResult(() => revokeGrant(this.#core, address(at), caller(by), parseOrProblem(idSchema, grantId, "grantId")));
    }

    grants(at: unknown, by: unknown, query: unknown): Promise<Result<Page<GrantView>>> {
      return asResult(() => pageGrants(this.#core, address(at), caller(by), parseOrProblem(paginationQuery, query, "query")));
    }

    /** Drains the outbox and prunes expired idempotency records; idempotent, and re-arms itself. */
    override async alarm(): Promise<void> {
      this.#core.alarmAt = null;
      if (!this.#core.store.readMeta()) return;
      const empty = await this.#drain();
      if (!empty) armAlarm(this.#core, Date.now() + Math.min(60_000, OUTBOX_RETRY_MS * 2 ** Math.min(this.#drainFailures, 6)));
      const { nextExpiry } = this.#core.store.pruneIdempotency(Date.now());
      if (nextExpiry !== null) armAlarm(this.#core, nextExpiry);
    }
  };

export type AgentObjectClass = ReturnType<typeof defineAgentObject>;
/** A stub as the Worker uses it: the RPC surface with its declared result types. */
export type AgentObjectStub = AgentRpc;
