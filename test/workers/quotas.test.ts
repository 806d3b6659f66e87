// Tenant quotas through the Worker: a type's declared resources are reserved at spawn
// and returned at stop and delete, exactly once per agent; a spawn past the quota is
// 409 naming the resource and creates nothing; a type declaring no resources, or a
// tenant without quotas, is never limited; a group's scale-up past the quota is refused
// and recorded in its history.
import { describe, expect, it } from "vitest";
import { expectProblem, newId } from "./http.ts";
import { admin, type Client, expectOk } from "./security.ts";
import { newTenant } from "./tokens.ts";

/** A fresh tenant whose quotas are `quotas` (one shard, so the whole budget is in one place); counters declare 16 MiB, 0.1 cores, 1 MiB. */
const setup = async (quotas: Record<string, unknown>) => {
  const owner = await admin(newTenant("quota"));
  const patched = await owner.send("PATCH", "/v1/config", { infrastructure: { quotas: { shards: 1, ...quotas } } });
  expect(patched.status, patched.text).toBe(200);
  return owner;
};

const spawnCounter = (owner: Client, id: string) => owner.post("/v1/agents", { type: "counter", id });

describe("tenant quotas", () => {
  it("refuses a spawn past the memory quota with 409 naming memory, creating nothing", async () => {
    const owner = await setup({ memoryMb: 32 });
    const [a, b, c] = [newId("a"), newId("b"), newId("c")];
    expect((await spawnCounter(owner, a)).status).toBe(201);
    // A retried spawn of the same agent is the same reservation.
    expect((await spawnCounter(owner, a)).status).toBe(200);
    expect((await spawnCounter(owner, b)).status).toBe(201);
    const refused = expectProblem(await spawnCounter(owner, c), 409, "quota-exceeded");
    expect(refused.resource).toBe("memory");
    expect(refused.detail).toContain("memory");
    expectProblem(await owner.get(`/v1/agents/${c}`), 404);
  });

  it("returns the reservation on delete and on stop, and reserves again on start", async () => {
    const owner = await setup({ cpu: 0.2 });
    const [a, b, c] = [newId("a"), newId("b"), newId("c")];
    expect((await spawnCounter(owner, a)).status).toBe(201);
    expect((await spawnCounter(owner, b)).status).toBe(201);
    expect(expectProblem(await spawnCounter(owner, c), 409, "quota-exceeded").resource).toBe("cpu");
    expect((await owner.del(`/v1/agents/${a}`)).status).toBe(204);
    expect((await spawnCounter(owner, c)).status).toBe(201);
    expectOk(await owner.post(`/v1/agents/${b}/stop`));
    // Stopped twice, returned once: one more fits, not two.
    expectOk(await owner.post(`/v1/agents/${b}/stop`));
    const d = newId("d");
    expect((await spawnCounter(owner, d)).status).toBe(201);
    expect(expectProblem(await spawnCounter(owner, newId("e")), 409, "quota-exceeded").resource).toBe("cpu");
    expect(expectProblem(await owner.post(`/v1/agents/${b}/start`), 409, "quota-exceeded").resource).toBe("cpu");
    expect(expectOk(await owner.get(`/v1/agents/${b}`)).status).toBe("stopped");
    // Deleting a stopped agent returns nothing more.
    expect((await owner.del(`/v1/agents/${b}`)).status).toBe(204);
    expect(expectProblem(await spawnCounter(owner, newId("f")), 409, "quota-exceeded").resource).toBe("cpu");
  });

  it("never limits a type declaring no resources, nor a tenant without quotas", async () => {
    const owner = await setup({ memoryMb: 1, cpu: 0.01, storageMb: 1 });
    for (let i = 0; i < 3; i++) expect((await owner.post("/v1/agents", { type: "flaky", id: newId("f") })).status).toBe(201);
    const free = await admin(newTenant("free"));
    for (let i = 0; i < 3; i++) expect((await spawnCounter(free, newId("c"))).status).toBe(201);
  });

  it("records a group's scale-up refused by the quota in its history", async () => {
    const owner = await setup({ memoryMb: 16 });
    const id = newId("g");
    const created = await owner.post("/v1/groups", { id, type: "counter", min: 2, max: 3, scale: { on: "in_flight", target: 4 } });
    expect(created.status, created.text).toBe(201);
    expect(created.body.members.filter((m: { state: string }) => m.state === "active")).toHaveLength(1);
    expect(created.body.history[0]).toMatchObject({ from: 0, to: 1, reason: expect.stringContaining("memory") });
  });

  it("refuses a bad quota naming the field", async () => {
    const owner = await admin(newTenant("quota"));
    const reply = await owner.send("PATCH", "/v1/config", { infrastructure: { quotas: { memoryMb: -1 } } });
    expect(reply.status).toBe(400);
    expect(reply.body.errors.map((e: { path: string }) => e.path).join(" ")).toContain("memoryMb");
  });
});
