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
import { DRAIN_GRACE_MS, EVALUATION_MS, IDLE_AFTER_MS, IDLE_EVALUATION_MS } from "../../src/platform/groups/limits.ts";
import { memberId } from "../../src/platform/groups/naming.ts";
import { groupFigure, type MemberInfo, type MemberLoad, pickMember, pickRetiree } from "../../src/platform/groups/routing.ts";
import { decideScale } from "../../src/platform/groups/scaling.ts";
import { type CreateGroup, createGroupSchema, groupIdSchema, type GroupView, sameGroup } from "../../src/platform/groups/schemas.ts";
import { conflict, notFound, problem, ProblemError } from "../../src/platform/problem.ts";
import { asResult, type Result } from "../../src/platform/result.ts";
import { type Caller, callerSchema } from "../../src/platform/security/caller.ts";
import { createTelemetry } from "../../src/platform/telemetry/emitter.ts";
import { createLogger } from "../../src/platform/telemetry/logger.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import { createGroupStore, type GroupRecord, type GroupStore, type MemberRow } from "./group-store.ts";
import { memberOps } from "./members.ts";

const addressSchema = z.strictObject({ tenant: idSchema, group: groupIdSchema });
export type GroupAddress = z.input<typeof addressSchema>;
const routeSchema = z.strictObject({ key: idempotencyKeySchema.nullable(), avoid: z.array(idSchema).max(8) });
export type RouteRequest = z.input<typeof routeSchema>;

type Polled = { load: MemberLoad | null; status: string | null; healthy: boolean };

export class GroupController extends DurableObject<Env> {
  readonly #store: GroupStore;
  readonly #telemetry = createTelemetry();
  readonly #log = createLogger({ base: { component: "group" } });
  /** Each member's last polled load, and the calls routed to it since. */
  readonly #polled = new Map<string, Polled>();
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
    const members = this.#store.members();
    const busy =
      now - this.#lastRouteAt < IDLE_AFTER_MS ||
      members.some((m) => m.state === "draining") ||
      members.filter((m) => m.state === "active").length !== record.config.min;
    await this.ctx.storage.setAlarm(now + (busy ? EVALUATION_MS : IDLE_EVALUATION_MS));
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
      const polled = this.#polled.get(m.id);
      const idle = polled?.load !== null && polled?.load !== undefined && polled.load.inFlight + polled.load.queueLength === 0;
      const quiet = now - Math.max(m.draining_since ?? 0, this.#lastRoutedAt.get(m.id) ?? 0) >= DRAIN_GRACE_MS;
      if (!idle || !quiet) continue;
      try {
        await ops.stop(m.id);
        this.#store.putMember({ ...m, state: "retired", draining_since: null });
        this.#polled.delete(m.id);
      } catch (error) {
        this.#log.warn("stopping a drained member failed", { member: m.id, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  /**
   * Moves the number of active members to `desired`: growing takes back draining members
   * first, then starts retired ones, then spawns new ones; shrinking drains the
   * least-loaded. Records the change (or the refusal that stopped it) in the history.
   */
  async #resize(record: GroupRecord, desired: number, reason: string, figure: number | null): Promise<void> {
    const now = Date.now();
    const ops = memberOps(this.env.AGENTS, record, this.#telemetry);
    const rows = this.#store.members();
    const active = rows.filter((m) => m.state === "active").length;
    let reached = active;
    const notes: string[] = [];
    if (desired > active) {
      let need = desired - active;
      for (const m of rows.filter((r) => r.state === "draining")) {
        if (need === 0) break;
        this.#store.putMember({ ...m, state: "active", draining_since: null });
        need--;
      }
      const retired = rows.filter((r) => r.state === "retired");
      const scaling = this.#store.scaling();
      let nextSeq = scaling.nextSeq;
      const plans: { row: MemberRow; fresh: boolean }[] = [];
      for (let i = 0; i < need; i++) {
        const again = retired.shift();
        plans.push(again ? { row: again, fresh: false } : { row: { id: memberId(record.config.id, nextSeq), seq: nextSeq++, state: "active", joined_at: now, draining_since: null }, fresh: true });
      }
      // The sequence advances before any spawn, so a crash never reuses an id for another member.
      this.#store.saveScaling({ ...scaling, nextSeq });
      const outcomes = await Promise.allSettled(plans.map((p) => (p.fresh ? ops.spawn(p.row.id) : ops.start(p.row.id))));
      outcomes.forEach((outcome, i) => {
        const plan = plans[i];
        if (!plan) return;
        if (outcome.status === "fulfilled") {
          this.#store.putMember({ ...plan.row, state: "active", joined_at: now, draining_since: null });
          this.#polled.set(plan.row.id, { load: { inFlight: 0, queueLength: 0, errorRate: 0 }, status: "running", healthy: true });
        } else {
          const error = outcome.reason;
          notes.push(`${plan.row.id}: ${error instanceof ProblemError ? (error.problem.detail ?? error.problem.title) : "unavailable"}`);
        }
      });
      reached = this.#store.members().filter((m) => m.state === "active").length;
    } else if (desired < active) {
      for (let i = 0; i < active - desired; i++) {
        const retiree = pickRetiree(this.#store.members().map((m) => this.#info(m)));
        const row = retiree && this.#store.members().find((m) => m.id === retiree.id);
        if (!row) break;
        this.#store.putMember({ ...row, state: "draining", draining_since: now });
      }
      reached = this.#store.members().filter((m) => m.state === "active").length;
    }
    this.#store.saveScaling({ ...this.#store.scaling(), lastScaleAt: now, aboveSince: null, belowSince: null });
    const text = notes.length === 0 ? reason : `${reason}; refused: ${notes.join("; ")}`.slice(0, 1_000);
    this.#store.addHistory(now, active, reached, text, figure);
    this.#telemetry.emit("group.scaled", { from: active, to: reached }, { group: record.config.id });
  }
}
