// EventStream: one Durable Object per (tenant, stream). An append-only SQLite log with
// a gap-free sequence (an append is answered once durable; an id already in the log is
// stored once and belongs to its first publisher), the subscriptions that apply to the
// stream with durable cursors and push delivery on alarms, replays, retention (a platform
// stream's from the deployment's variables, src/platform/events/retention.ts), and the
// live tail. This class is the shell (storage, alarms, the RPC surface); decisions live in
// src/platform/events and each capability in a family module: stream-append.ts (storing
// a batch), stream-delivery.ts, stream-live.ts (live pushes), stream-registration.ts
// (with the tenant's bus), stream-retention.ts, stream-tail.ts, stream-views.ts,
// stream-contract.ts (the RPC schemas and answers), stream-schedule.ts (what a sweep does
// and when the alarm wakes the object) and stream-sweeps.ts (one sweep at a time).
import { DurableObject } from "cloudflare:workers";
import { createAppendSignal } from "../../src/platform/events/append-signal.ts";
import { initialDelivery } from "../../src/platform/events/delivery.ts";
import { PLATFORM_PUBLISHER } from "../../src/platform/events/publish-access.ts";
import { backlogCapFrom, type RetentionInput, retentionSchema } from "../../src/platform/events/retention.ts";
import type { TailBatch } from "../../src/platform/events/sse.ts";
import type { SubscriptionRecord, SubscriptionStreamStatus } from "../../src/platform/events/subscription.ts";
import { problem, ProblemError } from "../../src/platform/problem.ts";
import { asResult, type Result } from "../../src/platform/result.ts";
import { createTelemetry } from "../../src/platform/telemetry/emitter.ts";
import { createLogger } from "../../src/platform/telemetry/logger.ts";
import { watchMetrics } from "../metrics/index.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import { stampTraceContext } from "../../src/platform/telemetry/spans.ts";
import { createAlarmMemo, traceObject } from "../durable/index.ts";
import { revocationCheck } from "../security/index.ts";
import { appendToLog } from "./stream-append.ts";
import { addressSchema, appendSchema, followSchema, publisherSchema, readSchema, replaySchema, timeSchema } from "./stream-contract.ts";
import type { Appended, AppendRequest, FollowQuery, ReadQuery, ReplayRange, StreamAddress, StreamInfo, StreamPage } from "./stream-contract.ts";
import { type DeliveryContext, deliveryStateOf, pendingSince } from "./stream-delivery.ts";
import { createLivePushes } from "./stream-live.ts";
import { registerWithBus } from "./stream-registration.ts";
import { createSchedule, type StreamSchedule } from "./stream-schedule.ts";
import { createStreamStore, type StreamSettings, type StreamStore } from "./stream-store.ts";
import { streamInfo, streamPage, subscriptionStatusOf } from "./stream-views.ts";
import { createSweeps } from "./stream-sweeps.ts";
import { acceptTailSocket, onTailMessage, pumpSocket, pushToSubscription } from "./stream-tail.ts";

export type { Appended, AppendRequest, FollowQuery, ReadQuery, ReplayRange, StreamAddress, StreamInfo, StreamPage } from "./stream-contract.ts";

export class EventStream extends DurableObject<Env> {
  readonly #store: StreamStore;
  readonly #telemetry = createTelemetry();
  readonly #log = createLogger({ base: { component: "event-stream" }, context: () => ({ tenant: this.#store?.settings()?.tenant }) });
  readonly #appends = createAppendSignal();
  /** Runs delivery now and again when it is due; never two sweeps at once, no wake-up lost (stream-sweeps.ts). */
  readonly #requestSweep = createSweeps((settings: StreamSettings) => this.#schedule.pass(settings));
  readonly #pushLive: ReturnType<typeof createLivePushes>;
  /** What a sweep does and when the alarm wakes the object (stream-schedule.ts). */
  readonly #schedule: StreamSchedule;
  #registering: Promise<void> | null = null;
  /** The alarm's time as this object armed it: an append arming for later than that reads nothing. */
  readonly #alarm = createAlarmMemo(this.ctx.storage);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = createStreamStore(ctx.storage);
    watchMetrics(this.#telemetry, env, ctx, { tenant: () => this.#store.settings()?.tenant });
    const { cap, invalid } = backlogCapFrom(env);
    if (invalid.length > 0) this.#log.error("malformed backlog cap; holding with the default", { variables: invalid.join(", ") });
    this.#schedule = createSchedule({
      store: this.#store,
      env: () => this.env,
      alarm: this.#alarm,
      backlogCap: cap,
      telemetry: this.#telemetry,
      log: this.#log,
      delivery: (settings) => this.#deliveryContext(settings),
    });
    this.#pushLive = createLivePushes({ ctx, store: this.#store, revocations: env.REVOCATIONS, telemetry: this.#telemetry });
    // Deferred work (deliveries, replays, notices, retention) is re-armed from storage
    // whenever the object starts, so a sweep cut short by a restart is resumed.
    ctx.blockConcurrencyWhile(async () => {
      const settings = this.#store.settings();
      if (settings) await this.#arm(pendingSince(this.#store, Date.now()), settings);
    });
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
   * Tells the tenant's bus this stream exists and takes the subscriptions that apply to
   * it; once at a time, so that a subscription change arriving meanwhile (which waits for
   * it) is applied after, never overwritten by, what the registration took.
   */
  #register(settings: StreamSettings): Promise<void> {
    if (this.#store.settings()?.registered ?? settings.registered) return Promise.resolve();
    this.#registering ??= registerWithBus(this.env.BUS, this.#store, settings, this.#telemetry).finally(() => {
      this.#registering = null;
    });
    return this.#registering;
  }

  #arm(due: number | null, settings: StreamSettings): Promise<void> {
    return this.#schedule.arm(due, settings);
  }

  /** Appends in order; `publisher` (default: the platform) owns the ids it stores first. */
  append(at: StreamAddress, events: AppendRequest, publisher: string = PLATFORM_PUBLISHER): Promise<Result<Appended[]>> {
    return asResult(async () => {
      const settings = this.#address(at);
      const inputs = stampTraceContext(parseOrProblem(appendSchema, events, "events"));
      const from = parseOrProblem(publisherSchema, publisher, "publisher");
      // Registered before the first append, so an append is never answered with an
      // error after it became durable (a client retry would then store its events twice).
      await this.#register(settings);
      const now = Date.now();
      const appended = appendToLog(this.#store, settings, inputs, from, now);
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
        this.#pushLive(settings, from, to);
      }
      this.#appends.notify();
      return appended;
    });
  }

  read(at: StreamAddress, query: ReadQuery): Promise<Result<StreamPage>> {
    return asResult(() => {
      this.#address(at);
      const { from, to, limit } = parseOrProblem(readSchema, query, "query");
      return streamPage(this.#store, from, limit, to);
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

  /** Where to read from to see what was appended from `time` on (ms since the epoch). */
  sequenceAt(at: StreamAddress, time: number): Promise<Result<{ sequence: number }>> {
    return asResult(() => {
      this.#address(at);
      return { sequence: this.#store.firstAtOrAfter(parseOrProblem(timeSchema, time, "time")) };
    });
  }

  #info(settings: StreamSettings): StreamInfo {
    return streamInfo(this.#store, settings.stream, this.#schedule.retention(settings));
  }

  info(at: StreamAddress): Promise<Result<StreamInfo>> {
    return asResult(() => this.#info(this.#address(at)));
  }

  setRetention(at: StreamAddress, retention: RetentionInput): Promise<Result<StreamInfo>> {
    return asResult(async () => {
      const settings = { ...this.#address(at), retention: parseOrProblem(retentionSchema, retention) };
      this.#store.saveSettings(settings);
      await this.#arm(null, settings);
      this.#schedule.setRetentionDue(true);
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
      return subscriptionStatusOf(this.#store, settings.stream, id);
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
      this.#store.putReplay({ id, subscriptionId: subscription, to, state: initialDelivery(subscription, from - 1, Date.now()) });
      await this.#arm(Date.now() + 1_000, settings);
      this.ctx.waitUntil(this.#requestSweep(settings));
      return { id, from, to };
    });
  }

  override async alarm(): Promise<void> {
    // The runtime clears (or, on a failure, retries) the alarm that runs now: read it again from storage.
    this.#alarm.unknown();
    this.#store.forgetOldestTime();
    try {
      await this.#onAlarm();
    } finally {
      this.#alarm.unknown();
    }
  }

  async #onAlarm(): Promise<void> {
    const settings = this.#store.settings();
    if (!settings) return;
    // A stream the tenant's bus refused (too many streams) holds no events; its retention and delivery still run.
    await this.#register(settings).catch((error: unknown) => {
      if (!(error instanceof ProblemError)) throw error;
      this.#log.warn("stream not registered", { tenant: settings.tenant, stream: settings.stream, detail: error.problem.detail ?? error.problem.title });
    });
    const retention = this.#schedule.retention(settings);
    this.#schedule.setRetentionDue(retention.maxAgeMs !== null || retention.maxCount !== null);
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

traceObject(EventStream);
