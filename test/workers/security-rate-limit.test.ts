// Per-token rate limits: a token whose `rps` claim is small is answered 429 with
// Retry-After after a short burst (2 x rps), and what it was refused did not run;
// another token of the same tenant is unaffected. Requests go out as one concurrent
// burst, and the bucket refills with time, so the assertions count outcomes rather
// than positions.
import { describe, expect, it } from "vitest";
import { expectProblem, newId, type Reply } from "./http.ts";
import { admin, client, snapshot } from "./security.ts";
import { newTenant } from "./tokens.ts";

const BURST = 20;

describe("rate limits per token", () => {
  it("answers 429 with Retry-After once a small token's burst is spent; refused calls do not run", async () => {
    const tenant = newTenant("rl");
    const owner = await admin(tenant);
    const id = newId("c");
    expect((await owner.post("/v1/agents", { type: "counter", id })).status).toBe(201);
    const slow = await client({ tenant, subject: "slow", caps: ["admin"], rps: 2 });
    const replies: Reply[] = await Promise.all(Array.from({ length: BURST }, () => slow.post(`/v1/agents/${id}/actions/increment`, { by: 1 })));
    const ok = replies.filter((reply) => reply.status === 200);
    const limited = replies.filter((reply) => reply.status === 429);
    expect(ok.length + limited.length, replies.map((reply) => reply.text).join("\n")).toBe(BURST);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    for (const reply of limited) {
      const body = expectProblem(reply, 429, "rate-limited");
      expect(body.detail).toContain("2 requests per second");
      expect(Number(reply.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(reply.headers.get("x-content-type-options")).toBe("nosniff");
    }
    // Only the answered calls ran.
    expect((await snapshot(tenant, id)).agent.state).toEqual({ value: ok.length });
  });

  it("limits each token on its own: another token of the same tenant keeps working", async () => {
    const tenant = newTenant("rl");
    const slow = await client({ tenant, subject: "slow", caps: ["admin"], rps: 2 });
    const other = await client({ tenant, subject: "other", caps: ["admin"] });
    const burst = (holder: typeof slow) => Array.from({ length: BURST }, async () => (await holder.get("/v1/agent-types")).status);
    const statuses = await Promise.all([...burst(slow), ...burst(other)]);
    const slowStatuses = statuses.slice(0, BURST);
    const otherStatuses = statuses.slice(BURST);
    expect(slowStatuses).toContain(429);
    expect(slowStatuses).toContain(200);
    expect(otherStatuses).toEqual(Array.from({ length: BURST }, () => 200));
  });
});
