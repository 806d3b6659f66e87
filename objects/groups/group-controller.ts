// GroupController: one Durable Object per tenant and group. It keeps the group between
// min and max members (spawned as ordinary agents labelled with the group), routes each
// call to the least-loaded healthy member, binds a client's idempotency key to the member
// that first took it, and on its alarm polls every member's load and applies the pure
// scaling decision (src/platform/groups/scaling.ts). Everything it decides on is stored
// (definition, members, keys, sustain and cooldown times), so it survives eviction; the
// load figures it keeps in memory are read afresh on the next evaluation.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { IDEMPOTENCY_TTL_MS } from "../../src/platform/agent/idempotency.ts";
import { idempotencyKeySchema, idSchema } from "../../src/platform/ids.ts";
import { EVALUATION_MS } from "../../src/platform/groups/limits.ts";
import { drainedReady, evaluationDelay, type MemberRow, type PolledMember } from "../../src/platform/groups/membership.ts";
import { groupFigure, type MemberInfo, pickMember } from "../../src/platform/groups/routing.ts";
import { decideScale } from "../../src/platform/groups/scaling.ts";
import { type CreateGroup, createGroupSchema, groupIdSchema, type GroupView, sameGroup } from "../../src/platform/groups/schemas.ts";
import { conflict, notFound, problem, ProblemError } from "../../src/platform/problem.ts";
import { asResult, type Result } from "../../src/platform/result.ts";
import { type Caller, callerSchema } from "../../src/platform/security/caller.ts";
import { createTelemetry } from "../../src/platform/telemetry/emitter.ts";
import { createLogger } from "../../src/platform/telemetry/logger.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import { createGroupStore, type GroupRecord, type GroupStore } from "./group-store.ts";
import { resizeGroup } from "./group-resize.ts";
import { memberOps } from "./members.ts";

const addressSchema = z.strictObject({ tenant: idSchema, group: groupIdSchema });
export type GroupAddress = z.input<typeof addressSchema>;
const routeSchema = z.strictObject({ key: idempotencyKeySchema.nullable(), avoid: z.array(idSchema).max(8) });
export type RouteRequest = z.input<typeof routeSchema>;

export class GroupController extends DurableObject<Env> {
  readonly #store: GroupStore;
  readonly #telemetry = createTelemetry();
  readonly #log = createLogger({ base: { component: "group" } });
  /** Each member's last polled load, and the calls routed to it since. */
  readonly #polled = new Map<string, PolledMember>();
  readonly #routed = new Map<string, number>();
  readonly #lastRoutedAt = new Map<string, number>();
  #lastRouteAt = 0;
  #unserved = false;
  #evaluating: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = createGroupStore(ctx.storage);
    // After a restart nobody knows when a draining member last got a call: its grace starts again.
    const now = Date.now();
    for (const m of this.#store.members()) if (m.state === "draining") this.#lastRoutedAt.set(m.id, now);
  }

  #address(raw: GroupAddress) {
    const at = parseOrProblem(addressSchema, raw, "address");
    const record = this.#store.record();
    if (record && (record.tenant !== at.tenant || record.config.id !== at.group)) throw notFound("Group", at.group);
    return { at, record };
  }

  #require(raw: GroupAddress): GroupRecord {
    const { at, record } = this.#address(raw);
    if (!record || record.deleting) throw notFound("Group", at.group);
    return record;
  }

  #info(row: MemberRow): MemberInfo {
    const polled = this.#polled.get(row.id);
    return { id: row.id, seq: row.seq, state: row.state, healthy: polled?.healthy ?? true, load: polled?.load ?? null, routed: this.#routed.get(row.id) ?? 0 };
  }

  #view(record: GroupRecord): GroupView {
    const { config } = record;
    const members = this.#store.members().filter((m) => m.state !== "retired");
    const infos = members.map((m) => this.#info(m));
    return {
      id: config.id,
      type: config.type,
      labels: config.labels,
      min: config.min,
      max: config.max,
      scale: config.scale,
      createdAt: new Date(config.createdAt).toISOString(),
      status: record.deleting ? "deleting" : "active",
      figure: groupFigure(config.scale.on, infos),
      members: members.map((m, i) => {
        const polled = this.#polled.get(m.id);
        return {
          id: m.id,
          state: m.state,
          status: polled?.status ?? null,
          healthy: infos[i]?.healthy ?? true,
          load: polled?.load ?? null,
          routed: this.#routed.get(m.id) ?? 0,
          joinedAt: new Date(m.joined_at).toISOString(),
        };
      }),
      history: this.#store.history(),
    };
  }

  /** Creates the group and its first `min` members (the same definition again answers it; another is 409). */
  create(at: GroupAddress, raw: CreateGroup, by: Caller): Promise<Result<{ created: boolean; group: GroupView }>> {
    return asResult(async () => {
      const { at: address, record } = this.#address(at);
      const config = parseOrProblem(createGroupSchema, raw);
      const caller = parseOrProblem(callerSchema, by, "caller");
      if (config.id !== address.group) throw notFound("Group", address.group);
      if (record) {
        if (record.deleting) throw conflict(`Group '${config.id}' is being deleted; try again once it is gone.`);
        if (!sameGroup(record.config, config)) throw conflict(`Group '${config.id}' exists with another definition; delete it first to change it.`);
        await this.#evaluate();
        return { created: false, group: this.#view(record) };
      }
      const fresh: GroupRecord = { tenant: address.tenant, config: { ...config, createdAt: Date.now() }, caller, deleting: false };
      this.#store.saveRecord(fresh);
      await this.#resize(fresh, config.min, `created with min ${config.min}`, null);
      await this.ctx.storage.setAlarm(Date.now() + EVALUATION_MS);
      return { created: true, group: this.#view(fresh) };
    });
  }

  view(at: GroupAddress): Promise<Result<GroupView>> {
    return asResult(() => this.#view(this.#require(at)));
  }

  /**
   * The member to take a call. A key already bound answers its member (so its
   * idempotency record answers a retry), unless the caller found that member not taking
   * calls (`avoid`), when the key moves to another; a new key is bound to the member picked.
   */
  route(at: GroupAddress, raw: RouteRequest): Promise<Result<{ member: string }>> {
    return asResult(async () => {
      const record = this.#require(at);
      const request = parseOrProblem(routeSchema, raw);
      const now = Date.now();
      this.#lastRouteAt = now;
      const avoid = new Set(request.avoid);
      const bound = request.key === null ? null : this.#store.boundMember(request.key, now);
      if (bound !== null && !avoid.has(bound)) return { member: this.#routedTo(bound, now) };
      const picked = pickMember(this.#store.members().map((m) => this.#info(m)), avoid);
      if (!picked) {
        this.#unserved = true;
        await this.#armSoon(now);
        throw problem(503, "group-no-member", "No member ready", `Group '${record.config.id}' has no healthy member to take the call yet.`, { retryAfter: 1 });
      }
      if (request.key !== null) this.#store.bind(request.key, picked.id, now + IDEMPOTENCY_TTL_MS.client);
      // An active group evaluates often: make sure the alarm is not the idle one.
      await this.#armSoon(now);
      return { member: this.#routedTo(picked.id, now) };
    });
  }

  #routedTo(member: string, now: number): string {
    this.#routed.set(member, (this.#routed.get(member) ?? 0) + 1);
    this.#lastRoutedAt.set(member, now);
    return member;
  }

  async #armSoon(now: number): Promise<void> {
    const armed = await this.ctx.storage.getAlarm();
    if (armed === null || armed > now + EVALUATION_MS) await this.ctx.storage.setAlarm(now + EVALUATION_MS);
  }

  /** Stops and deletes every member, then the group; a member that cannot be removed now leaves the group deleting (503: retry). */
  destroy(at: GroupAddress): Promise<Result<null>> {
    return asResult(async () => {
      const record = this.#address(at).record;
      if (!record) throw notFound("Group", parseOrProblem(addressSchema, at, "address").group);
      this.#store.saveRecord({ ...record, deleting: true });
      await this.#evaluating;
      const ops = memberOps(this.env.AGENTS, record, this.#telemetry);
      const outcomes = await Promise.allSettled(
        this.#store.members().map(async (m) => {
          try {
            await ops.destroy(m.id);
          } catch (error) {
            // Gone already (a retried delete): nothing left to remove.
            if (!(error instanceof ProblemError && error.status === 404)) throw error;
          }
        }),
      );
      const failed = outcomes.filter((o) => o.status === "rejected");
      if (failed.length > 0) {
        this.#log.warn("group members not removed", { group: record.config.id, failed: failed.length });
        throw problem(503, "group-not-drained", "Members not removed yet", `${failed.length} members of group '${record.config.id}' could not be stopped and deleted yet; the group is deleting. Try again.`, { retryAfter: 1 });
      }
      await this.ctx.storage.deleteAlarm();
      await this.#store.deleteAll();
      this.#polled.clear();
      this.#routed.clear();
      return null;
    });
  }

  override async alarm(): Promise<void> {
    const record = this.#store.record();
    if (!record || record.deleting) return;
    await this.#evaluate();
    const now = Date.now();
    await this.ctx.storage.setAlarm(now + evaluationDelay(this.#store.members(), record.config.min, this.#lastRouteAt, now));
  }

  /** One evaluation at a time. */
  #evaluate(): Promise<void> {
    this.#evaluating ??= this.#evaluateOnce().finally(() => {
      this.#evaluating = null;
    });
    return this.#evaluating;
  }

  async #evaluateOnce(): Promise<void> {
    const record = this.#store.record();
    if (!record || record.deleting) return;
    const ops = memberOps(this.env.AGENTS, record, this.#telemetry);
    const live = this.#store.members().filter((m) => m.state !== "retired");
    const loads = await Promise.all(live.map((m) => ops.load(m.id)));
    live.forEach((m, i) => {
      const load = loads[i] ?? null;
      this.#polled.set(m.id, {
        load: load && { inFlight: load.inFlight, queueLength: load.queueLength, errorRate: load.errorRate },
        status: load?.status ?? null,
        healthy: load?.status === "running",
      });
      this.#routed.set(m.id, 0);
    });
    const now = Date.now();
    this.#store.pruneKeys(now);
    await this.#retireDrained(record, now);

    const members = this.#store.members().map((m) => this.#info(m));
    const active = members.filter((m) => m.state === "active").length;
    const figure = groupFigure(record.config.scale.on, members);
    const scaling = this.#store.scaling();
    const decision = decideScale({ now, policy: record.config, active, figure, unserved: this.#unserved, ...scaling });
    this.#unserved = false;
    this.#store.saveScaling({ ...scaling, aboveSince: decision.aboveSince, belowSince: decision.belowSince });
    if (decision.desired !== active && decision.reason !== null) await this.#resize(record, decision.desired, decision.reason, figure);
  }

  /** A draining member that got no call for DRAIN_GRACE_MS and has none running is stopped. */
  async #retireDrained(record: GroupRecord, now: number): Promise<void> {
    const ops = memberOps(this.env.AGENTS, record, this.#telemetry);
    for (const m of this.#store.members()) {
      if (m.state !== "draining") continue;
      if (!drainedReady(m, this.#polled.get(m.id)?.load, this.#lastRoutedAt.get(m.id), now)) continue;
      try {
        await ops.stop(m.id);
        this.#store.putMember({ ...m, state: "retired", draining_since: null });
        this.#polled.delete(m.id);
      } catch (error) {
        this.#log.warn("stopping a drained member failed", { member: m.id, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  #resize(record: GroupRecord, desired: number, reason: string, figure: number | null): Promise<void> {
    const host = { store: this.#store, ops: memberOps(this.env.AGENTS, record, this.#telemetry), telemetry: this.#telemetry, polled: this.#polled, info: (row: MemberRow) => this.#info(row) };
    return resizeGroup(host, record, desired, reason, figure);
  }
}
