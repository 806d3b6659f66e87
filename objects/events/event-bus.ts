// EventBus: one Durable Object per tenant, the directory of its subscriptions and of
// the streams they apply to. A subscription is stored here, then pushed to every stream
// it applies to (one named stream, or all of the tenant's streams but dead-letter
// ones); a stream created later takes the subscriptions that apply to it when it
// registers. Each stream keeps the durable cursor and does the delivering. A tenant has
// at most JIDO_MAX_STREAMS_PER_TENANT streams of its own: registering one more is refused
// (409 `stream-limit`) before its first event is stored; the platform's streams do not
// count, so denials, run transitions and dead letters are always written.
// A subscription acts for its creator's token: it expires with it (unless the token held
// `delegate:durable`), and stops when the token or its subject is revoked.
// Changes take turns (a mailbox) and each is written down as pending work before it
// reaches the streams, with the alarm behind it (bus-pending.ts): a change cut short by a
// restart is finished by the alarm. A subscription being deleted is marked so first, and
// a stream registering meanwhile is never handed it, so deletion leaves it on no stream.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { keyReuseProblem } from "../../src/platform/agent/idempotency.ts";
import { createMailbox } from "../../src/platform/agent/mailbox.ts";
import { sha256Hex } from "../../src/platform/canonical-json.ts";
import { callDurable } from "../../src/platform/durable-call.ts";
import {
  type SubscriptionRecord,
  type SubscriptionRequest,
  subscriptionRequestSchema,
  type SubscriptionStreamStatus,
  type Suspension,
} from "../../src/platform/events/subscription.ts";
import { newWebhookSecret } from "../../src/platform/events/webhook-signature.ts";
import { isReservedStream } from "../../src/platform/events/reserved-streams.ts";
import { storageBounds } from "../../src/platform/storage-bounds.ts";
import { idSchema } from "../../src/platform/ids.ts";
import { cursorKey, type Page, pageOfRows, paginationQuery, type PaginationQuery } from "../../src/platform/pagination.ts";
import { conflict, notFound } from "../../src/platform/problem.ts";
import { idFromRequestKey, requestKeySchema } from "../../src/platform/request-key.ts";
import { asResult, type Result } from "../../src/platform/result.ts";
import { type Caller, callerName, callerSchema } from "../../src/platform/security/caller.ts";
import { delegationBound } from "../../src/platform/security/delegation.ts";
import { createTelemetry } from "../../src/platform/telemetry/emitter.ts";
import { createLogger } from "../../src/platform/telemetry/logger.ts";
import { watchMetrics } from "../metrics/index.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import { armEarliest } from "../durable/index.ts";
import { revocationCheck } from "../security/index.ts";
import { deleteSubscription, finishPending, isDeleting, pendingChanges, type PendingContext, rearmWhilePending, saveSubscription } from "./bus-pending.ts";
import { appliesTo, streamsFor, streamStub } from "./bus-streams.ts";
import { suspensionOf } from "./suspension.ts";

const tenantSchema = z.strictObject({ tenant: idSchema });
export type TenantAddress = z.input<typeof tenantSchema>;

export type SubscriptionView = Omit<SubscriptionRecord, "caller" | "secret" | "createdAt" | "spec" | "expiresAt"> &
  SubscriptionRecord["spec"] & {
    createdBy: string;
    createdAt: string;
    /** When it stops delivering: its creator's token's expiry (null: never). */
    expiresAt: string | null;
    /** Why it delivers nothing whatever its status, or null. */
    suspended: Suspension | null;
    streams: SubscriptionStreamStatus[];
    secret?: string;
  };

export class EventBus extends DurableObject<Env> {
  readonly #sql: SqlStorage;
  readonly #telemetry = createTelemetry();
  readonly #log = createLogger({ base: { component: "event-bus" } });
  /** Subscription changes take turns, so that a push never lands after the removal that follows it. */
  readonly #changes = createMailbox();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    watchMetrics(this.#telemetry, env, ctx);
    this.#sql.exec("CREATE TABLE IF NOT EXISTS subscriptions (id TEXT PRIMARY KEY, record TEXT NOT NULL)");
    this.#sql.exec("CREATE TABLE IF NOT EXISTS streams (name TEXT PRIMARY KEY)");
    this.#sql.exec("CREATE TABLE IF NOT EXISTS pending (id TEXT PRIMARY KEY, op TEXT NOT NULL)");
    // The hash of the request key that created each subscription, to answer a retry of that request as the first answer.
    this.#sql.exec("CREATE TABLE IF NOT EXISTS create_keys (id TEXT PRIMARY KEY, key_hash TEXT NOT NULL)");
    ctx.blockConcurrencyWhile(async () => {
      if (pendingChanges(this.#sql).length > 0) await armEarliest(ctx.storage, [Date.now()]);
    });
  }

  #pendingContext(): PendingContext {
    return { storage: this.ctx.storage, sql: this.#sql, streams: this.env.STREAMS, telemetry: this.#telemetry, log: this.#log };
  }

  /** The subscriptions a stream takes: not those being deleted. */
  #records(): SubscriptionRecord[] {
    return this.#sql
      .exec<{ record: string }>("SELECT record FROM subscriptions WHERE id NOT IN (SELECT id FROM pending WHERE op = 'remove') ORDER BY id")
      .toArray()
      .map((row) => JSON.parse(row.record) as SubscriptionRecord);
  }

  /** The subscription, or 404; one being deleted is found only by `remove` (to finish it). */
  #find(id: string, deleting: "hidden" | "found" = "hidden"): SubscriptionRecord {
    const row = this.#sql.exec<{ record: string }>("SELECT record FROM subscriptions WHERE id = ?", id).toArray()[0];
    if (!row || (deleting === "hidden" && isDeleting(this.#sql, id))) throw notFound("Subscription", id);
    return JSON.parse(row.record) as SubscriptionRecord;
  }

  async #view(record: SubscriptionRecord, withSecret = false): Promise<SubscriptionView> {
    const statuses = await Promise.all(
      streamsFor(this.#sql, record).map((name) =>
        callDurable("bus.subscription_status", () => streamStub(this.env.STREAMS, record.tenant, name).subscriptionStatus({ tenant: record.tenant, stream: name }, record.id), this.#telemetry),
      ),
    );
    const { caller, secret, createdAt, spec, expiresAt, ...rest } = record;
    return {
      ...rest,
      ...spec,
      createdBy: caller.kind === "principal" ? caller.subject : `agent:${caller.id}`,
      createdAt: new Date(createdAt).toISOString(),
      expiresAt: expiresAt === undefined || expiresAt === null ? null : new Date(expiresAt).toISOString(),
      suspended: await suspensionOf(revocationCheck(this.env.REVOCATIONS, this.#telemetry), record, Date.now()),
      streams: statuses.filter((status): status is SubscriptionStreamStatus => status !== null),
      ...(withSecret && secret ? { secret } : {}),
    };
  }

  registerStream(at: TenantAddress, stream: string): Promise<Result<SubscriptionRecord[]>> {
    return asResult(() => {
      const { tenant } = parseOrProblem(tenantSchema, at, "address");
      const known = this.#sql.exec("SELECT 1 FROM streams WHERE name = ?", stream).toArray().length > 0;
      if (!known && !isReservedStream(stream)) {
        const max = storageBounds(this.env).maxStreamsPerTenant;
        // The tenant's own streams: all but those isReservedStream names (run shards' `workflow.<k>` included).
        const own = this.#sql
          .exec<{ n: number }>("SELECT COUNT(*) AS n FROM streams WHERE name NOT IN ('audit', 'workflow') AND substr(name, 1, 4) <> 'dlq.' AND substr(name, 1, 9) <> 'workflow.'")
          .one().n;
        if (own >= max) {
          throw conflict(`Tenant '${tenant}' has ${own} streams, the most it may have (JIDO_MAX_STREAMS_PER_TENANT = ${max}); stream '${stream}' was not created. Publish to an existing stream.`, {
            code: "stream-limit",
            limit: max,
          });
        }
      }
      // One synchronous step: a deletion marked before it is not handed out; one marked after it finds this stream in the list.
      if (!known) this.#sql.exec("INSERT OR IGNORE INTO streams (name) VALUES (?)", stream);
      return this.#records().filter((record) => appliesTo(record, stream));
    });
  }

  /**
   * Creates a subscription, its id given or derived from `requestKey` (the client's
   * Idempotency-Key, or the platform's key of the HTTP request), so that a retry of the
   * same request finds the subscription the first attempt made and is answered as the
   * first answer (201, with a webhook's secret) instead of making another.
   */
  create(at: TenantAddress, by: Caller, request: SubscriptionRequest, requestKey: string): Promise<Result<{ created: boolean; subscription: SubscriptionView }>> {
    return asResult(async () => {
      const { tenant } = parseOrProblem(tenantSchema, at, "address");
      const caller: Caller = parseOrProblem(callerSchema, by, "caller");
      const spec = parseOrProblem(subscriptionRequestSchema, request);
      const key = parseOrProblem(requestKeySchema, requestKey, "requestKey");
      const id = spec.id ?? (await idFromRequestKey("sub", key));
      const keyHash = await sha256Hex(key);
      return this.#changes.run(() => this.#create(tenant, caller, spec, id, key, keyHash));
    });
  }

  async #create(tenant: string, caller: Caller, spec: SubscriptionRecord["spec"], id: string, key: string, keyHash: string): Promise<{ created: boolean; subscription: SubscriptionView }> {
    if (isDeleting(this.#sql, id)) throw conflict(`Subscription '${id}' is being deleted; try again once it is gone.`);
    const existing = this.#sql.exec<{ record: string }>("SELECT record FROM subscriptions WHERE id = ?", id).toArray()[0];
    if (existing) {
      const record = JSON.parse(existing.record) as SubscriptionRecord;
      if (JSON.stringify(record.spec) !== JSON.stringify({ ...spec, id: record.spec.id })) {
        // An id derived from the key: the same key came with another request.
        if (spec.id === undefined) throw keyReuseProblem(key);
        throw conflict(`Subscription '${id}' already exists with another definition.`);
      }
      await saveSubscription(this.#pendingContext(), record);
      const sameRequest =
        this.#sql.exec<{ key_hash: string }>("SELECT key_hash FROM create_keys WHERE id = ?", id).toArray()[0]?.key_hash === keyHash &&
        callerName(record.caller) === callerName(caller);
      return sameRequest ? { created: true, subscription: await this.#view(record, true) } : { created: false, subscription: await this.#view(record) };
    }
    const now = Date.now();
    const record: SubscriptionRecord = {
      id,
      tenant,
      spec,
      caller,
      secret: spec.target.kind === "webhook" ? newWebhookSecret() : null,
      status: "active",
      createdAt: now,
      expiresAt: delegationBound(caller, now),
    };
    await saveSubscription(this.#pendingContext(), record, () => this.#sql.exec("INSERT OR REPLACE INTO create_keys (id, key_hash) VALUES (?, ?)", id, keyHash));
    return { created: true, subscription: await this.#view(record, true) };
  }

  get(at: TenantAddress, id: string): Promise<Result<SubscriptionView>> {
    return asResult(() => {
      parseOrProblem(tenantSchema, at, "address");
      return this.#view(this.#find(id));
    });
  }

  record(at: TenantAddress, id: string): Promise<Result<SubscriptionRecord>> {
    return asResult(() => {
      parseOrProblem(tenantSchema, at, "address");
      return this.#find(id);
    });
  }

  list(at: TenantAddress, query: PaginationQuery): Promise<Result<Page<SubscriptionView>>> {
    return asResult(async () => {
      parseOrProblem(tenantSchema, at, "address");
      const { limit, cursor } = parseOrProblem(paginationQuery, query, "query");
      // `id > ?` in SQLite's order, the order of compareKeys, so pages neither skip nor repeat.
      const rows = this.#sql
        .exec<{ record: string }>(
          "SELECT record FROM subscriptions WHERE id > ? AND id NOT IN (SELECT id FROM pending WHERE op = 'remove') ORDER BY id LIMIT ?",
          cursorKey(cursor) ?? "",
          limit + 1,
        )
        .toArray()
        .map((row) => JSON.parse(row.record) as SubscriptionRecord);
      const page = pageOfRows(rows, (record) => record.id, limit);
      return { items: await Promise.all(page.items.map((record) => this.#view(record))), next: page.next };
    });
  }

  setStatus(at: TenantAddress, id: string, status: "active" | "paused"): Promise<Result<SubscriptionView>> {
    return asResult(async () => {
      parseOrProblem(tenantSchema, at, "address");
      return this.#changes.run(async () => {
        const record = { ...this.#find(id), status };
        await saveSubscription(this.#pendingContext(), record);
        return this.#view(record);
      });
    });
  }

  /** Deletes the subscription from every stream, then here; a deletion cut short is finished by a retry or by the alarm. */
  remove(at: TenantAddress, id: string): Promise<Result<null>> {
    return asResult(async () => {
      parseOrProblem(tenantSchema, at, "address");
      return this.#changes.run(async () => {
        await deleteSubscription(this.#pendingContext(), this.#find(id, "found"));
        return null;
      });
    });
  }

  /** Finishes the changes the streams have not all taken (a push or a deletion cut short); comes back while any is left. */
  override async alarm(): Promise<void> {
    await this.#changes.run(() => finishPending(this.#pendingContext(), (id) => this.#find(id, "found")));
    await rearmWhilePending(this.#pendingContext());
  }
}
