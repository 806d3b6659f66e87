// `ctx.acquire` in an action: the agent takes a lease as `agent:<id>` (with the grant
// pools:acquire:<pool>), and the runtime releases it when the action ends, whether it
// succeeded or failed; without the grant the action fails and nothing is held.
import { describe, expect, it } from "vitest";
import { expectProblem, newId } from "./http.ts";
import { admin, type Client, expectOk } from "./security.ts";
import { newTenant } from "./tokens.ts";

const setup = async () => {
  const tenant = newTenant("pool-agent");
  const owner = await admin(tenant);
  const pool = newId("p");
  const id = newId("pooled");
  expect((await owner.post("/v1/pools", { name: pool, capacity: 2 })).status).toBe(201);
  expect((await owner.post("/v1/agents", { type: "pooled", id })).status).toBe(201);
  return { owner, pool, id };
};

const poolView = async (owner: Client, pool: string) => expectOk(await owner.get(`/v1/pools/${pool}`));

describe("ctx.acquire", () => {
  it("holds the lease as the agent during the action and releases it on success and on failure", async () => {
    const { owner, pool, id } = await setup();
    expectOk(await owner.post(`/v1/agents/${id}/grants`, { name: `pools:acquire:${pool}` }));
    // Capacity 2 and 2 units per action: a lease left behind would make the next action's acquire (timeoutMs 0) fail.
    for (const fail of [false, true, false, true]) {
      const reply = await owner.post(`/v1/agents/${id}/actions/use`, { pool, units: 2, fail });
      if (fail) {
        const problem = expectProblem(reply, 422, "action-failed");
        expect(problem.code).toBe("asked_to_fail");
        expect(problem.details.lease.startsWith(`${pool}.`)).toBe(true);
      } else {
        expect(expectOk(reply).lease.startsWith(`${pool}.`)).toBe(true);
      }
      expect(await poolView(owner, pool)).toMatchObject({ inUse: 0, holders: [] });
    }
  });

  it("reaches the caller as 503 when the pool has no units, the agent holding nothing", async () => {
    const { owner, pool, id } = await setup();
    expectOk(await owner.post(`/v1/agents/${id}/grants`, { name: `pools:acquire:${pool}` }));
    const blocker = expectOk(await owner.post(`/v1/pools/${pool}/acquire`, { units: 1 }));
    // One unit free, two asked: the pool answers 503, which reaches the caller after the agent's one attempt.
    const refused = expectProblem(await owner.post(`/v1/agents/${id}/actions/use`, { pool, units: 2, fail: false }), 503, "action-unavailable");
    expect(refused.code).toBe("pool-exhausted");
    expectOk(await owner.post(`/v1/leases/${blocker.id}/release`));
    expect(await poolView(owner, pool)).toMatchObject({ inUse: 0, holders: [] });
  });

  it("fails without the grant pools:acquire:<pool>, holding nothing", async () => {
    const { owner, pool, id } = await setup();
    const reply = expectProblem(await owner.post(`/v1/agents/${id}/actions/use`, { pool, units: 1, fail: false }), 422, "action-failed");
    expect(reply.code).toBe("forbidden");
    expect(reply.detail).toContain(`pools:acquire:${pool}`);
    expect(await poolView(owner, pool)).toMatchObject({ inUse: 0, holders: [] });
  });
});
