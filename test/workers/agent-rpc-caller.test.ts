// The agent object parses the caller of every RPC, remembering a parse by the caller's
// JSON text: the same caller again is accepted, any other text is parsed afresh (an
// invalid caller is refused naming the field, one without the capability gets 403).
import { describe, expect, it } from "vitest";
import { newId, spawn, view } from "./http.ts";
import { typedStub } from "../../objects/durable/index.ts";
import type { Caller } from "../../src/platform/security/caller.ts";
import { agentStub } from "./objects.ts";
import { TENANT } from "./tokens.ts";

const callerWith = (grants: Caller["grants"]): Caller => ({ kind: "principal", subject: "rpc-test", tenant: TENANT, grants });
const allowed = callerWith([{ name: "agents:call:counter.increment", constraints: {}, grantedBy: "test", expiresAt: null }]);

describe("an agent call's caller", () => {
  it("is accepted again when the same, refused when invalid or without the capability, and changes nothing then", async () => {
    const id = newId();
    await spawn("counter", id);
    const stub = typedStub(agentStub(id));
    const at = { tenant: TENANT, id };
    const increment = (by: Caller) => stub.call(at, by, { action: "increment", input: { by: 1 }, idempotencyKey: newId("key"), keyOrigin: "client" });
    expect(await increment(allowed)).toMatchObject({ ok: true, value: { output: { value: 1 } } });
    expect(await increment(structuredClone(allowed))).toMatchObject({ ok: true, value: { output: { value: 2 } } });

    const invalid = await increment({ ...allowed, grants: [{ ...allowed.grants[0]!, expiresAt: "never" as unknown as number }] });
    expect(invalid.ok).toBe(false);
    if (invalid.ok) return;
    expect(invalid.problem.status).toBe(400);
    expect(invalid.problem.errors?.map((error: { path: string }) => error.path)).toEqual(["caller.grants.0.expiresAt"]);

    const denied = await increment(callerWith([{ name: "agents:call:counter.reset", constraints: {}, grantedBy: "test", expiresAt: null }]));
    expect(denied).toMatchObject({ ok: false, problem: { status: 403 } });
    expect((await view(id)).state).toEqual({ value: 2 });
  });

});
