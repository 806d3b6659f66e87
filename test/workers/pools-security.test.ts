// Capabilities of the pool routes: pools:admin (create, delete), pools:read (list,
// read), pools:acquire:<pool> (acquire, renew, release one's own leases). A token
// without the one a route needs gets 403 naming it, the denial is audited, and nothing
// changes.
import { describe, expect, it } from "vitest";
import { newId } from "./http.ts";
import { admin, client, type Denied, expectAudited, expectForbidden, expectOk } from "./security.ts";
import { newTenant } from "./tokens.ts";

describe("pool capabilities", () => {
  it("refuses each pool route without its capability, changing nothing", async () => {
    const tenant = newTenant("pool-sec");
    const owner = await admin(tenant);
    const pool = newId("p");
    expectOk(await owner.post("/v1/pools", { name: pool, capacity: 2 }));
    // The holder may acquire from another pool, read nothing, administer nothing.
    const holder = await client({ tenant, subject: "holder", caps: [`pools:acquire:${pool}-other`] });
    const allowed = await client({ tenant, subject: "holder", caps: [`pools:acquire:${pool}`] });
    const lease = expectOk(await allowed.post(`/v1/pools/${pool}/acquire`, { leaseMs: 60_000 }));
    const before = { list: expectOk(await owner.get("/v1/pools")), pool: expectOk(await owner.get(`/v1/pools/${pool}`)) };
    const fresh = newId("p");
    const cases: [string, () => ReturnType<typeof holder.get>, string, string][] = [
      ["create", () => holder.post("/v1/pools", { name: fresh, capacity: 1 }), "pools:admin", `pool/${fresh}`],
      ["delete", () => holder.del(`/v1/pools/${pool}`), "pools:admin", `pool/${pool}`],
      ["list", () => holder.get("/v1/pools"), "pools:read", "pools"],
      ["read", () => holder.get(`/v1/pools/${pool}`), "pools:read", `pool/${pool}`],
      ["acquire", () => holder.post(`/v1/pools/${pool}/acquire`, { units: 1 }), `pools:acquire:${pool}`, `pool/${pool}`],
      ["renew", () => holder.post(`/v1/leases/${lease.id}/renew`, { leaseMs: 1_000 }), `pools:acquire:${pool}`, `pool/${pool}`],
      ["release", () => holder.post(`/v1/leases/${lease.id}/release`), `pools:acquire:${pool}`, `pool/${pool}`],
    ];
    const denied: Denied[] = [];
    for (const [what, send, capability, resource] of cases) {
      expectForbidden(await send(), capability);
      denied.push({ who: "principal:holder", what: capability, resource });
      expect({ list: expectOk(await owner.get("/v1/pools")), pool: expectOk(await owner.get(`/v1/pools/${pool}`)) }, what).toEqual(before);
    }
    // The lease is as it was: still its holder's, renewable for its full term.
    const renewed = expectOk(await allowed.post(`/v1/leases/${lease.id}/renew`));
    expect(renewed.leaseMs).toBe(60_000);
    await expectAudited(tenant, denied);
  });

  it("lets pools:admin release another requester's lease", async () => {
    const tenant = newTenant("pool-sec");
    const owner = await admin(tenant);
    const pool = newId("p");
    expectOk(await owner.post("/v1/pools", { name: pool, capacity: 1 }));
    const user = await client({ tenant, subject: "user", caps: [`pools:acquire:${pool}`] });
    const lease = expectOk(await user.post(`/v1/pools/${pool}/acquire`, {}));
    const operator = await client({ tenant, subject: "ops", caps: ["pools:admin", `pools:acquire:${pool}`, "pools:read"] });
    expectOk(await operator.post(`/v1/leases/${lease.id}/release`));
    expect(expectOk(await operator.get(`/v1/pools/${pool}`)).inUse).toBe(0);
  });
});
