// EventStream: one Durable Object per (tenant, stream). An append-only SQLite log with
// a gap-free sequence (an append is answered once durable; an id already in the log is
// stored once and belongs to its first publisher), the subscriptions that apply to the
// stream with durable cursors and push delivery on alarms, replays, retention (a platform
// stream's from the deployment's variables, src/platform/events/retention.ts), and the
// live tail. Decisions live in src/platform/events; delivery in stream-delivery.ts; the
// tail in stream-tail.ts.
// Live subscriptions are pushed here, when events are appended: at most once, to the
// connections attached then, without a cursor (a push is not known to be received).
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { callDurable } from "../../src/platform/durable-call.ts";
import { type CloudEvent, eventInputSchema, MAX_EVENTS_PER_PUBLISH, streamNameSchema } from "../../src/platform/events/cloud-event.ts";
import { busObjectName } from "../../src/platform/events/naming.ts";
import { initialDelivery, startCursor, wants } from "../../src/platform/events/delivery.ts";
import type { SubscriptionRecord, SubscriptionStreamStatus } from "../../src/platform/events/subscription.ts";
import { idSchema } from "../../src/platform/ids.ts";
import { problem, ProblemError } from "../../src/platform/problem.ts";
import { asResult, type Result } from "../../src/platform/result.ts";
import { createTelemetry } from "../../src/platform/telemetry/emitter.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import { backlogCapFrom, type BacklogCap, nextRetentionAt, platformRetention, type RetentionInput, retentionSchema } from "../../src/platform/events/retention.ts";
import { storageBounds } from "../../src/platform/storage-bounds.ts";
import { createLogger } from "../../src/platform/telemetry/logger.ts";
import { armEarliest, typedStub } from "../durable/index.ts";
import { revocationCheck } from "../security/index.ts";
import { type DeliveryContext, deliveryStateOf, sweep } from "./stream-delivery.ts";
import { applyRetention, drainNotices } from "./stream-retention.ts";
import { createStreamStore, type Retention, type StreamSettings, type StreamStore } from "./stream-store.ts";
import { acceptTailSocket, onTailMessage, pumpSocket, pushToSubscription } from "./stream-tail.ts";
import { suspensionOf } from "./suspension.ts";
import { createAppendSignal } from "../../src/platform/events/append-signal.ts";
import type { TailBatch } from "../../src/platform/events/sse.ts";
import { idClaim, PLATFORM_PUBLISHER } from "../../src/platform/events/publish-access.ts";

const addressSchema = z.strictObject({ tenant: idSchema, stream: streamNameSchema });
// Ids are checked where they enter (publish, restore; the platform makes the others),
// not here: an outbox written by an older version may still hold an id outside today's
// alphabet, and refusing it would block that agent's outbox for good. Delivery derives
// a header-safe webhook id from any id.
const appendSchema = z.array(eventInputSchema.safeExtend({ id: z.string().min(1).max(128), time: z.string() })).min(1).max(MAX_EVENTS_PER_PUBLISH);
const readSchema = z.strictObject({
  from: z.number().int().min(1).default(1),
  to: z.number().int().min(1).optional(),
  limit: z.number().int().min(1).max(1000).default(100),
});
const followSchema = z.strictObject({
  from: z.number().int().min(1),
  limit: z.number().int().min(1).max(1000).default(100),
  /** How long to wait for an append when there is nothing from `from` yet. */
  waitMs: z.number().int().min(0).max(60_000).default(0),
});
const publisherSchema = z.string().min(1).max(256);
const replaySchema = z.strictObject({ id: z.string().min(1).max(64), from: z.number().int().min(1), to: z.number().int().min(1) });

export type StreamAddress = z.input<typeof addressSchema>;
export type AppendRequest = readonly z.input<typeof appendSchema>[number][];
export type ReadQuery = z.input<typeof readSchema>;
export type FollowQuery = z.input<typeof followSchema>;
export type ReplayRange = z.input<typeof replaySchema>;
export type Appended = { id: string; stream: string; sequence: number; duplicate: boolean };
export type StreamPage = { items: CloudEvent[]; next: number | null };
export type StreamInfo = {
  stream: string;
  length: number;
  first: number | null;
  last: number;
  subscriptions: string[];
  retention: Retention;
};

const idConflict = (id: string, stream: string) =>
  problem(409, "event-id-conflict", "Event id taken", `Event id '${id}' is already in stream '${stream}' from another publisher; publish under another id.`, {
    extensions: { id, stream },
  });

export class EventStream extends DurableObject<Env> {
  readonly #store: StreamStore;
  readonly #telemetry = createTelemetry();
  readonly #log = createLogger({ base: { component: "event-stream" } });
  readonly #appends = createAppendSignal();
  readonly #backlogCap: BacklogCap;
  #sweeping: Promise<void> | null = null;
  #sweepAgain = false;
  /** Live pushes, one append after another, so that connections see events in stream order. */
  #livePushes: Promise<void> = Promise.resolve();
  /** Retention runs in the delivery loop, never beside a delivery pass: set to run it on the next pass. */
  #retentionDue = false;
  #registering: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = createStreamStore(ctx.storage);
    const { cap, invalid } = backlogCapFrom(env);
    if (invalid.length > 0) this.#log.error("malformed backlog cap; holding with the default", { variables: invalid.join(", ") });
    this.#backlogCap = cap;
    // Deferred work (deliveries, replays, notices, retention) is re-armed from storage
    // whenever the object starts, so a sweep cut short by a restart is resumed.
    ctx.blockConcurrencyWhile(async () => {
      const settings = this.#store.settings();
      if (settings) await this.#arm(this.#pendingSince(), settings);
    });
  }

  /** When stored work is due (null: none): a subscription behind the log, a replay, a notice. */
  #pendingSince(): number | null {
    const now = Date.now();
    if (this.#store.hasReplays() || this.#store.notices.pending() > 0) return now;
    const last = this.#store.lastSeq();
    const dues = this.#store
      .subscriptions()
      .filter((sub) => sub.status === "active")
      .map((sub) => this.#store.delivery(sub.id))
      .filter((state) => state === undefined || state.cursor < last)
      .map((state) => state?.dueAt ?? now);
    return dues.length === 0 ? null : Math.max(now, Math.min(...dues));
  }

  #address(raw: StreamAddress): StreamSettings {
    const { tenant, stream } = parseOrProblem(addressSchema, raw, "address");
    const settings = this.#store.settings();
    if (settings) return settings;
    const fresh = { tenant, stream, retention: { maxAgeMs: null, maxCount: null }, registered: false };
    this.#store.saveSettings(fresh);
    return fresh;
  }

  #deliveryContext(settings: StreamSettings): DeliveryContext {
    return {
      store: this.#store,
      tenant: settings.tenant,
      stream: settings.stream,
      env: this.env,
      streams: this.env.STREAMS,
      telemetry: this.#telemetry,
      now: Date.now,
      random: Math.random,
      pushLive: (subscription, event) => pushToSubscription(this.ctx, subscription, event),
      revocations: revocationCheck(this.env.REVOCATIONS, this.#telemetry),
    };
  }

  /**
   * Pushes appended events (sequences `from`..`to`) to the connections attached to the
   * live subscriptions that want them. A suspended subscription's connections are closed.
   */
  async #pushLive(settings: StreamSettings, from: number, to: number): Promise<void> {
    const live = this.#store.subscriptions().filter((sub) => sub.spec.target.kind === "live" && sub.status === "active");
    const attached = live.filter((sub) => this.ctx.getWebSockets(`sub:${sub.id}`).length > 0);
    if (attached.length === 0) return;
    const revocations = revocationCheck(this.env.REVOCATIONS, this.#telemetry);
    const events = this.#store.read(from, to - from + 1, to).map((row) => ({ body: row.body, event: JSON.parse(row.body) as CloudEvent }));
    for (const sub of attached) {
      const suspended = await suspensionOf(revocations, sub, Date.now());
      const sockets = this.ctx.getWebSockets(`sub:${sub.id}`);
      if (suspended !== null) {
        for (const ws of sockets) ws.close(1008, `subscription ${suspended}`);
        continue;
      }
      let pushed = 0;
      for (const { body, event } of events) {
        if (!wants(sub.spec, event)) continue;
        for (const ws of sockets) ws.send(body);
        pushed += 1;
      }
      if (pushed > 0) this.#telemetry.emit("events.pushed_live", { count: pushed }, { tenant: settings.tenant, stream: settings.stream, subscription: sub.id });
    }
  }

  /**
   * Tells the tenant's bus this stream exists and takes the subscriptions that apply to
   * it; once at a time, so that a subscription change arriving meanwhile (which waits for
   * it) is applied after, never overwritten by, what the registration took.
   */
  #register(settings: StreamSettings): Promise<void> {
    if (this.#store.settings()?.registered ?? settings.registered) return Promise.resolve();
    this.#registering ??= this.#registerOnce(settings).finally(() => {
      this.#registering = null;
    });
    return this.#registering;
  }

  async #registerOnce(settings: StreamSettings): Promise<void> {
    const bus = typedStub(this.env.BUS.get(this.env.BUS.idFromName(busObjectName(settings.tenant))));
    const subscriptions = await callDurable("bus.register_stream", () => bus.registerStream({ tenant: settings.tenant }, settings.stream), this.#telemetry);
    const now = Date.now();
    this.#store.transaction(() => {
      for (const record of subscriptions) {
        this.#store.putSubscription(record);
        // These subscriptions existed before this stream did: they start with its first
        // event (or their own sequence), not after the events that created it.
        if (!this.#store.delivery(record.id)) this.#store.putDelivery(initialDelivery(record.id, startCursor(record.spec.start, 0), now));
      }
      this.#store.saveSettings({ ...(this.#store.settings() ?? settings), registered: true });
    });
  }

  /** Runs delivery now and again when it is due; never two sweeps at once, no wake-up lost. */
  #requestSweep(settings: StreamSettings): Promise<void> {
    if (this.#sweeping) {
      this.#sweepAgain = true;
      return this.#sweeping;
    }
    this.#sweeping = (async () => {
      try {
        do {
          this.#sweepAgain = false;
          const current = this.#store.settings() ?? settings;
          if (this.#retentionDue) {
            this.#retentionDue = false;
            applyRetention(this.#store, { ...current, retention: this.#retention(current) }, this.#backlogCap, Date.now(), this.#telemetry);
          }
          await this.#drainNotices(current);
          const due = await sweep(this.#deliveryContext(current));
          await this.#arm(due, current);
        } while (this.#sweepAgain);
      } finally {
        this.#sweeping = null;
      }
    })();
    return this.#sweeping;
  }

  /** The retention in force: the deployment's for a platform stream (nothing else sets it), else the stream's own. */
  #retention(settings: StreamSettings): Retention {
    return platformRetention(settings.stream, storageBounds(this.env)) ?? settings.retention;
  }

  /** Notices are appended to their streams; one that fails waits for the alarm. */
  async #drainNotices(settings: StreamSettings): Promise<void> {
    try {
      await drainNotices(this.#store, this.env.STREAMS, settings.tenant, this.#telemetry);
    } catch (error) {
      this.#log.warn("appending notices failed; the alarm retries", { stream: settings.stream, error: String(error) });
    }
  }

  async #arm(due: number | null, settings: StreamSettings): Promise<void> {
    const now = Date.now();
    const retention = this.#retention(settings);
    const none = retention.maxAgeMs === null && retention.maxCount === null;
    const notices = this.#store.notices.pending() > 0 ? now + 1_000 : null;
    await armEarliest(this.ctx.storage, [due, none ? null : nextRetentionAt(retention, this.#store.oldestTime(), now), notices]);
  }

  /** Appends in order; `publisher` (default: the platform) owns the ids it stores first. */
  append(at: StreamAddress, events: AppendRequest, publisher: string = PLATFORM_PUBLISHER): Promise<Result<Appended[]>> {
    return asResult(async () => {
      const settings = this.#address(at);
      const inputs = parseOrProblem(appendSchema, events, "events");
      const from = parseOrProblem(publisherSchema, publisher, "publisher");
      // Registered before the first append, so an append is never answered with an
      // error after it became durable (a client retry would then store its events twice).
      await this.#register(settings);
      const now = Date.now();
      // A conflict throws inside the transaction: the whole batch is refused, nothing stored.
      const appended = this.#store.transaction(() => {
        let last = this.#store.lastSeq();
        return inputs.map((input): Appended => {
          const existing = this.#store.findById(input.id);
          const claim = idClaim(existing === undefined ? undefined : existing.publisher, from);
          if (claim === "conflict") throw idConflict(input.id, settings.stream);
          if (existing !== undefined) return { id: input.id, stream: settings.stream, sequence: existing.seq, duplicate: true };
          last += 1;
          const { stream: _stream, ...envelope } = input;
          this.#store.insert({ ...envelope, tenant: settings.tenant, stream: settings.stream, sequence: last }, now, from);
          return { id: input.id, stream: settings.stream, sequence: last, duplicate: false };
        });
      });
      // Durable from here on. Delivery is started now and backed by the alarm.
      this.#telemetry.emit("events.appended", { count: appended.filter((a) => !a.duplicate).length }, { tenant: settings.tenant, stream: settings.stream });
      const current = this.#store.settings() ?? settings;
      const deliver = this.#store.subscriptions().length > 0 || this.#store.hasReplays();
      // Armed for retention too: a stream nothing subscribes to (the audit trail) still expires its events.
      await this.#arm(deliver ? now + 1_000 : null, current);
      if (deliver) this.ctx.waitUntil(this.#requestSweep(current));
      for (const ws of this.ctx.getWebSockets("tail")) pumpSocket(ws, this.#store);
      const fresh = appended.filter((a) => !a.duplicate).map((a) => a.sequence);
      if (fresh.length > 0) {
        const [from, to] = [Math.min(...fresh), Math.max(...fresh)];
        this.#livePushes = this.#livePushes.then(() => this.#pushLive(settings, from, to)).catch((error: unknown) => {
          // At most once: a push that failed is not retried.
          this.#telemetry.emit("events.live_push_failed", { count: 1 }, { tenant: settings.tenant, stream: settings.stream, error: error instanceof Error ? error.name : "unknown" });
        });
        this.ctx.waitUntil(this.#livePushes);
      }
      this.#appends.notify();
      return appended;
    });
  }

  read(at: StreamAddress, query: ReadQuery): Promise<Result<StreamPage>> {
    return asResult(() => {
      this.#address(at);
      const { from, to, limit } = parseOrProblem(readSchema, query, "query");
      const rows = this.#store.read(from, limit + 1, to);
      const items = rows.slice(0, limit).map((row) => JSON.parse(row.body) as CloudEvent);
      return { items, next: rows.length > limit ? (rows[limit]?.seq ?? null) : null };
    });
  }

  follow(at: StreamAddress, query: FollowQuery): Promise<Result<TailBatch>> {
    return asResult(async () => {
      this.#address(at);
      const { from, limit, waitMs } = parseOrProblem(followSchema, query, "query");
      let rows = this.#store.read(from, limit);
      if (rows.length === 0 && waitMs > 0 && (await this.#appends.next(waitMs))) rows = this.#store.read(from, limit);
      return { items: rows.map((row) => ({ sequence: row.seq, event: row.body })) };
    });
  }

  #info(settings: StreamSettings): StreamInfo {
    return {
      stream: settings.stream,
      length: this.#store.count(),
      first: this.#store.firstSeq(),
      last: this.#store.lastSeq(),
      subscriptions: this.#store.subscriptions().map((sub) => sub.id),
      retention: this.#retention(settings),
    };
  }

  info(at: StreamAddress): Promise<Result<StreamInfo>> {
    return asResult(() => this.#info(this.#address(at)));
  }

  setRetention(at: StreamAddress, retention: RetentionInput): Promise<Result<StreamInfo>> {
    return asResult(async () => {
      const settings = { ...this.#address(at), retention: parseOrProblem(retentionSchema, retention) };
      this.#store.saveSettings(settings);
      await this.#arm(null, settings);
      this.#retentionDue = true;
      await this.#requestSweep(settings);
      return this.#info(settings);
    });
  }

  upsertSubscription(at: StreamAddress, record: SubscriptionRecord): Promise<Result<null>> {
    return asResult(async () => {
      const settings = this.#address(at);
      await this.#registering;
      this.#store.transaction(() => {
        this.#store.putSubscription(record);
        deliveryStateOf(this.#deliveryContext(settings), record);
      });
      // The alarm is the durable backstop of the sweep started now.
      await this.#arm(Date.now() + 1_000, settings);
      this.ctx.waitUntil(this.#requestSweep(settings));
      return null;
    });
  }

  removeSubscription(at: StreamAddress, id: string): Promise<Result<null>> {
    return asResult(async () => {
      this.#address(at);
      // A registration under way may be about to store this subscription: remove it after.
      await this.#registering;
      this.#store.transaction(() => this.#store.removeSubscription(id));
      return null;
    });
  }

  subscriptionStatus(at: StreamAddress, id: string): Promise<Result<SubscriptionStreamStatus | null>> {
    return asResult(() => {
      const settings = this.#address(at);
      if (!this.#store.subscriptions().some((sub) => sub.id === id)) return null;
      const state = this.#store.delivery(id);
      const last = this.#store.lastSeq();
      const cursor = state?.cursor ?? last;
      return {
        stream: settings.stream,
        cursor,
        last,
        lag: Math.max(0, last - cursor),
        delivered: state?.delivered ?? 0,
        deadLetters: state?.deadLetters ?? 0,
        attempts: state?.attempts ?? 0,
        nextAttemptAt: state && state.attempts > 0 ? new Date(state.dueAt).toISOString() : null,
        lastError: state?.lastError ? { ...state.lastError, at: new Date(state.lastError.at).toISOString() } : null,
        skipped: this.#store.gaps(id).map((gap) => ({ ...gap, at: new Date(gap.at).toISOString() })),
      };
    });
  }

  replay(at: StreamAddress, subscription: string, range: ReplayRange): Promise<Result<{ id: string; from: number; to: number }>> {
    return asResult(async () => {
      const settings = this.#address(at);
      const { id, from, to } = parseOrProblem(replaySchema, range);
      // The sweep drops a replay for a subscription it does not hold: say so now, rather than 202 and nothing.
      if (!this.#store.subscriptions().some((sub) => sub.id === subscription)) {
        throw problem(404, "not-found", "Subscription not found", `Subscription '${subscription}' does not apply to stream '${settings.stream}'.`);
      }
      const state = { subscriptionId: subscription, cursor: from - 1, attempts: 0, dueAt: Date.now(), delivered: 0, deadLetters: 0, lastError: null };
      this.#store.putReplay({ id, subscriptionId: subscription, to, state });
      await this.#arm(Date.now() + 1_000, settings);
      this.ctx.waitUntil(this.#requestSweep(settings));
      return { id, from, to };
    });
  }

  override async alarm(): Promise<void> {
    const settings = this.#store.settings();
    if (!settings) return;
    // A stream the tenant's bus refused (too many streams) holds no events; its retention and delivery still run.
    await this.#register(settings).catch((error: unknown) => {
      if (!(error instanceof ProblemError)) throw error;
      this.#log.warn("stream not registered", { tenant: settings.tenant, stream: settings.stream, detail: error.problem.detail ?? error.problem.title });
    });
    const retention = this.#retention(settings);
    this.#retentionDue = retention.maxAgeMs !== null || retention.maxCount !== null;
    await this.#requestSweep(settings);
  }

  /** The live tail over a WebSocket. The Worker has authorised the caller. */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    this.#address({ tenant: url.searchParams.get("tenant") ?? "", stream: url.searchParams.get("stream") ?? "" });
    const from = Number(url.searchParams.get("from") ?? "1");
    const subscription = url.searchParams.get("subscription");
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    return acceptTailSocket(this.ctx, this.#store, from, subscription);
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    onTailMessage(ws, message, this.#store);
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    // 1005, 1006 and 1015 say how the peer went away (1006: it dropped); close() refuses them.
    ws.close(code === 1005 || code === 1006 || code === 1015 ? 1000 : code, "closed");
  }
}
