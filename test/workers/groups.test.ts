// Agent groups through the Worker: create (min members spawned, in the directory with the
// group's labels), routing to the least-loaded member, an idempotency key bound to the
// member that first took it, scaling up under sustained load and back down by draining
// (no failed call meanwhile), delete, bad input naming the field, and every route's 403
// changing nothing.
import { describe, expect, it } from "vitest";
import { expectInvalid, expectProblem, newId } from "./http.ts";
import { admin, client, type Client, expectForbidden, expectOk } from "./security.ts";
import { eventually } from "./eventually.ts";
import { openGate } from "./objects.ts";
import { adminOf, newTenant, TENANT } from "./tokens.ts";
import { as } from "./security.ts";

const definition = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  type: "flaky",
  labels: { region: "us" },
  min: 2,
  max: 4,
  scale: { on: "in_flight", target: 0.5, cooldownMs: 1_000 },
  ...over,
});

/** `main`: in the tests' main tenant, where the flaky agent's gates can be opened (one such group per test). */
const setup = async (over: Record<string, unknown> = {}, main = false) => {
  const tenant = main ? TENANT : newTenant("grp");
  const owner = main ? as(await adminOf(TENANT)) : await admin(tenant);
  const id = newId("g");
  const created = await owner.post("/v1/groups", definition(id, over));
  expect(created.status, created.text).toBe(201);
  return { tenant, owner, id, group: created.body };
};

const active = (group: { members: { state: string }[] }) => group.members.filter((m) => m.state === "active").length;
const view = async (owner: Client, id: string) => expectOk(await owner.get(`/v1/groups/${id}`));
type Member = { id: string; state: string; load: { inFlight: number } | null };
/** The member polled with a call in flight (the held one). */
const busyMember = async (owner: Client, id: string, tries: number): Promise<string> => {
  const group = await eventually("the held call polled", () => view(owner, id), (g) => g.members.some((m: Member) => m.load?.inFlight === 1), tries);
  return group.members.find((m: Member) => m.load?.inFlight === 1).id;
};
const work = (who: Client, id: string, headers: Record<string, string> = {}) => who.post(`/v1/groups/${id}/actions/work`, { mode: "ok" }, headers);

describe("agent groups", () => {
  it("creates min members, each in the directory with the group's labels and a group label", async () => {
    const { owner, id, group } = await setup();
    expect(group).toMatchObject({ id, type: "flaky", min: 2, max: 4, status: "active" });
    expect(group.members.map((m: { id: string; state: string }) => [m.id, m.state])).toEqual([[`${id}.m0`, "active"], [`${id}.m1`, "active"]]);
    expect(group.history[0]).toMatchObject({ from: 0, to: 2 });
    const listed = await eventually("members in the directory", async () => expectOk(await owner.get("/v1/agents?type=flaky")).items, (items: { labels: unknown }[]) => items.length === 2);
    for (const entry of listed) expect(entry.labels).toEqual({ region: "us", group: id });
    // The same definition again answers the group; another is 409.
    expect((await owner.post("/v1/groups", definition(id))).status).toBe(200);
    expectProblem(await owner.post("/v1/groups", definition(id, { max: 5 })), 409);
    expect(expectOk(await owner.get("/v1/groups")).items).toEqual([expect.objectContaining({ id, type: "flaky", min: 2, max: 4 })]);
  });

  it("routes a call to the least-loaded healthy member", async () => {
    const { owner, id } = await setup({ scale: { on: "in_flight", target: 100, cooldownMs: 1_000 } }, true);
    const gate = newId("gate");
    const held = owner.post(`/v1/groups/${id}/actions/block`, { gate });
    const busy = await busyMember(owner, id, 1_000);
    const next = await work(owner, id);
    expect(next.status, next.text).toBe(200);
    expect(next.headers.get("jido-group-member")).not.toBe(busy);
    await openGate(busy, gate);
    expect((await held).status).toBe(200);
  });

  it("binds an idempotency key to the member that first took it: a retry is replayed there, once", async () => {
    const { owner, id } = await setup();
    const first = await work(owner, id, { "idempotency-key": "k-1" });
    expect(first.status, first.text).toBe(200);
    const member = first.headers.get("jido-group-member");
    for (let i = 0; i < 3; i++) {
      const again = await work(owner, id, { "idempotency-key": "k-1" });
      expect(again.headers.get("jido-group-member")).toBe(member);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(again.body).toEqual(first.body);
    }
    const agent = expectOk(await owner.get(`/v1/agents/${member}`));
    expect(agent.state.effects).toBe(1);
  });

  it("grows under sustained load, then drains back down with no failed call", { timeout: 90_000 }, async () => {
    const { owner, id } = await setup({ min: 1, max: 3 }, true);
    const gate = newId("gate");
    const held = owner.post(`/v1/groups/${id}/actions/block`, { gate });
    const busy = await busyMember(owner, id, 1_000);
    const grown = await eventually("the group grew", () => view(owner, id), (g) => active(g) >= 2, 3_000);
    expect(grown.history.at(-1)).toMatchObject({ from: 1, reason: expect.stringContaining("above target 0.5") });
    await openGate(busy, gate);
    expect((await held).status).toBe(200);
    // Calls keep arriving while it shrinks: every one is answered.
    const statuses: number[] = [];
    const shrunk = await eventually(
      "the group drained a member and stopped it",
      async () => {
        statuses.push((await work(owner, id)).status);
        return view(owner, id);
      },
      (g) => active(g) === 1 && !g.members.some((m: { state: string }) => m.state === "draining") && g.history.some((h: { reason: string }) => h.reason.includes("low enough")),
      3_000,
    );
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(active(shrunk)).toBe(1);
  });

  it("deletes the group: members stopped and deleted, the group gone", async () => {
    const { owner, id, group } = await setup();
    const res = await owner.del(`/v1/groups/${id}`);
    expect(res.status, res.text).toBe(204);
    for (const m of group.members) expectProblem(await owner.get(`/v1/agents/${m.id}`), 404);
    expectProblem(await owner.get(`/v1/groups/${id}`), 404);
    expectProblem(await owner.del(`/v1/groups/${id}`), 404);
    expectProblem(await work(owner, id), 404);
    expect(expectOk(await owner.get("/v1/groups")).items).toEqual([]);
  });

  it("refuses bad input naming the field, creating nothing", async () => {
    const tenant = newTenant("grp");
    const owner = await admin(tenant);
    const id = newId("g");
    expectInvalid(await owner.post("/v1/groups", definition(id, { min: 5, max: 2 })), "min");
    expectInvalid(await owner.post("/v1/groups", definition(id, { max: 101 })), "max");
    expectInvalid(await owner.post("/v1/groups", definition(id, { scale: { on: "in_flight", target: 1, cooldownMs: 10 } })), "scale.cooldownMs");
    expectInvalid(await owner.post("/v1/groups", definition(id, { scale: { on: "load", target: 1 } })), "scale.on");
    expectInvalid(await owner.post("/v1/groups", definition(id, { scale: { on: "error_rate", target: 2 } })), "scale.target");
    expectInvalid(await owner.post("/v1/groups", definition(id, { labels: { group: "x" } })), "labels");
    expectInvalid(await owner.post("/v1/groups", definition("a/b")), "id");
    expectProblem(await owner.post("/v1/groups", definition(id, { type: "nope" })), 404);
    expect(expectOk(await owner.get("/v1/groups")).items).toEqual([]);
    expect(expectOk(await owner.get("/v1/agents")).items).toEqual([]);
  });

  it("answers 403 without each route's capability and changes nothing", async () => {
    const { tenant, owner, id } = await setup();
    const nobody = await client({ tenant, subject: "nobody", caps: ["agents:call:flaky.work", "agents:read:flaky"] });
    const other = newId("g");
    expectForbidden(await nobody.post("/v1/groups", definition(other)), "groups:admin");
    expectForbidden(await nobody.get("/v1/groups"), "groups:read");
    expectForbidden(await nobody.get(`/v1/groups/${id}`), "groups:read");
    expectForbidden(await work(nobody, id), `groups:call:${id}`);
    expectForbidden(await nobody.del(`/v1/groups/${id}`), "groups:admin");
    // A group admin who may not spawn the type cannot make the group spawn it.
    const groupsOnly = await client({ tenant, subject: "ops", caps: ["groups:admin"] });
    expectForbidden(await groupsOnly.post("/v1/groups", definition(other)), "agents:spawn:flaky");
    // The group may be called, but the member still checks the action's capability.
    const caller = await client({ tenant, subject: "caller", caps: [`groups:call:${id}`] });
    expectForbidden(await work(caller, id), "agents:call:flaky.work");
    expectProblem(await owner.get(`/v1/groups/${other}`), 404);
    const after = await view(owner, id);
    expect(active(after)).toBe(2);
    for (const m of after.members) expect(expectOk(await owner.get(`/v1/agents/${m.id}`)).state.effects).toBe(0);
    expect(expectOk(await owner.get("/v1/groups")).items.map((g: { id: string }) => g.id)).toEqual([id]);
  });
});
