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
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { callDurable } from "../../src/platform/durable-call.ts";
import { streamObjectName } from "../../src/platform/events/naming.ts";
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
import { asResult, type Result } from "../../src/platform/result.ts";
import { type Caller, callerSchema } from "../../src/platform/security/caller.ts";
import { delegationBound } from "../../src/platform/security/delegation.ts";
import { createTelemetry } from "../../src/platform/telemetry/emitter.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import { typedStub } from "../durable/index.ts";
import { revocationCheck } from "../security/index.ts";
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

/** Dead-letter streams only deliver to subscriptions that name them, so failures cannot loop. */
const appliesTo = (record: SubscriptionRecord, stream: string): boolean =>
  record.spec.stream === undefined ? !stream.startsWith("dlq.") : record.spec.stream === stream;

export class EventBus extends DurableObject<Env> {
  readonly #sql: SqlStorage;
  readonly #telemetry = createTelemetry();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec("CREATE TABLE IF NOT EXISTS subscriptions (id TEXT PRIMARY KEY, record TEXT NOT NULL)");
    this.#sql.exec("CREATE TABLE IF NOT EXISTS streams (name TEXT PRIMARY KEY)");
  }

  #records(): SubscriptionRecord[] {
    return this.#sql.exec<{ record: string }>("SELECT record FROM subscriptions ORDER BY id").toArray().map((row) => JSON.parse(row.record) as SubscriptionRecord);
  }

  #find(id: string): SubscriptionRecord {
    const row = this.#sql.exec<{ record: string }>("SELECT record FROM subscriptions WHERE id = ?", id).toArray()[0];
    if (!row) throw notFound("Subscription", id);
    return JSON.parse(row.record) as SubscriptionRecord;
  }

  #streamsFor(record: SubscriptionRecord): string[] {
    if (record.spec.stream !== undefined) return [record.spec.stream];
    return this.#sql.exec<{ name: string }>("SELECT name FROM streams ORDER BY name").toArray().map((row) => row.name).filter((name) => appliesTo(record, name));
  }

  #stream(tenant: string, name: string) {
    return typedStub(this.env.STREAMS.get(this.env.STREAMS.idFromName(streamObjectName(tenant, name))));
  }

  async #push(record: SubscriptionRecord): Promise<void> {
    await Promise.all(
      this.#streamsFor(record).map((name) =>
        callDurable("bus.push_subscription", () => this.#stream(record.tenant, name).upsertSubscription({ tenant: record.tenant, stream: name }, record), this.#telemetry),
      ),
    );
  }

  async #view(record: SubscriptionRecord, withSecret = false): Promise<SubscriptionView> {
    const statuses = await Promise.all(
      this.#streamsFor(record).map((name) =>
        callDurable("bus.subscription_status", () => this.#stream(record.tenant, name).subscriptionStatus({ tenant: record.tenant, stream: name }, record.id), this.#telemetry),
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
        // The tenant's own streams: all but those isReservedStream names.
        const own = this.#sql
          .exec<{ n: number }>("SELECT COUNT(*) AS n FROM streams WHERE name NOT IN ('audit', 'workflow') AND substr(name, 1, 4) <> 'dlq.'")
          .one().n;
        if (own >= max) {
          throw conflict(`Tenant '${tenant}' has ${own} streams, the most it may have (JIDO_MAX_STREAMS_PER_TENANT = ${max}); stream '${stream}' was not created. Publish to an existing stream.`, {
            code: "stream-limit",
            limit: max,
          });
        }
      }
      if (!known) this.#sql.exec("INSERT INTO streams (name) VALUES (?)", stream);
      return this.#records().filter((record) => appliesTo(record, stream));
    });
  }

  create(at: TenantAddress, by: Caller, request: SubscriptionRequest): Promise<Result<{ created: boolean; subscription: SubscriptionView }>> {
    return asResult(async () => {
      const { tenant } = parseOrProblem(tenantSchema, at, "address");
      const caller: Caller = parseOrProblem(callerSchema, by, "caller");
      const spec = parseOrProblem(subscriptionRequestSchema, request);
      const id = spec.id ?? `sub_${crypto.randomUUID().replaceAll("-", "")}`;
      const existing = this.#sql.exec<{ record: string }>("SELECT record FROM subscriptions WHERE id = ?", id).toArray()[0];
      if (existing) {
        const record = JSON.parse(existing.record) as SubscriptionRecord;
        if (JSON.stringify(record.spec) !== JSON.stringify({ ...spec, id: record.spec.id })) throw conflict(`Subscription '${id}' already exists with another definition.`);
        await this.#push(record);
        return { created: false, subscription: await this.#view(record) };
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
      this.#sql.exec("INSERT INTO subscriptions (id, record) VALUES (?, ?)", id, JSON.stringify(record));
      await this.#push(record);
      return { created: true, subscription: await this.#view(record, true) };
    });
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
        .exec<{ record: string }>("SELECT record FROM subscriptions WHERE id > ? ORDER BY id LIMIT ?", cursorKey(cursor) ?? "", limit + 1)
        .toArray()
        .map((row) => JSON.parse(row.record) as SubscriptionRecord);
      const page = pageOfRows(rows, (record) => record.id, limit);
      return { items: await Promise.all(page.items.map((record) => this.#view(record))), next: page.next };
    });
  }

  setStatus(at: TenantAddress, id: string, status: "active" | "paused"): Promise<Result<SubscriptionView>> {
    return asResult(async () => {
      parseOrProblem(tenantSchema, at, "address");
      const record = { ...this.#find(id), status };
      this.#sql.exec("UPDATE subscriptions SET record = ? WHERE id = ?", JSON.stringify(record), id);
      await this.#push(record);
      return this.#view(record);
    });
  }

  remove(at: TenantAddress, id: string): Promise<Result<null>> {
    return asResult(async () => {
      parseOrProblem(tenantSchema, at, "address");
      const record = this.#find(id);
      await Promise.all(
        this.#streamsFor(record).map((name) =>
          callDurable("bus.remove_subscription", () => this.#stream(record.tenant, name).removeSubscription({ tenant: record.tenant, stream: name }, id), this.#telemetry),
        ),
      );
      this.#sql.exec("DELETE FROM subscriptions WHERE id = ?", id);
      return null;
    });
  }
}
