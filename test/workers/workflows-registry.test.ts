// Registering workflow definitions over HTTP (name@version, immutable, checked against
// the deployed agent types), starting runs (input checked, a missing version named, the
// Idempotency-Key rule: same key and request replay, another request 422), and tenants
// never seeing each other's workflows or runs.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { typedStub } from "../../objects/durable/index.ts";
import { workflowRegistryName } from "../../src/platform/workflow/naming.ts";
import { type Body, errorPaths, expectInvalid, expectProblem } from "./http.ts";
import { type Client, clientOf, eventually, finished, order, orderClient, register, startRun } from "./workflows.ts";

const ref = { order_id: "$.input.order_id" };

const definition = (flow: unknown[] = [{ step: "reserve", role: "processor", action: "check_inventory", input: { ...ref, items: "$.input.items" }, compensation: "release_inventory" }], name = "reserve_only") => ({
  name,
  version: "1.0.0",
  input: { required: ["order_id", "items"] },
  participants: { processor: { type: "processing_agent" } },
  flow,
});

const reserve = (extra: Record<string, unknown> = {}) => ({ step: "reserve", role: "processor", action: "check_inventory", input: { ...ref, items: "$.input.items" }, ...extra });
const cancelOrder = (extra: Record<string, unknown> = {}) => ({ step: "cancel", role: "processor", action: "cancel_order", input: ref, ...extra });

/** The workflow is not known to the tenant. */
const expectUnknown = async (client: Client, name: string) => expectProblem(await client.send("GET", `/v1/workflows/${name}`), 404);

describe("POST /v1/workflows", () => {
  it("registers name@version (201), answers 200 for the same body again and 409 for another body under the same version", async () => {
    const client = await clientOf();
    const first = await client.send("POST", "/v1/workflows", definition());
    expect(first.status, first.text).toBe(201);
    expect(first.headers.get("location")).toBe("/v1/workflows/reserve_only");
    expect(first.body).toMatchObject({ name: "reserve_only", version: "1.0.0", description: "", participants: { processor: { min_count: 1, optional: false } } });

    const again = await client.send("POST", "/v1/workflows", definition());
    expect(again.status, again.text).toBe(200);
    expect(again.body).toEqual(first.body);

    const changed = await client.send("POST", "/v1/workflows", { ...definition(), description: "now different" });
    expectProblem(changed, 409, "conflict");

    await register(client, { ...definition(), version: "1.1.0", description: "now different" });
    const read = await client.send("GET", "/v1/workflows/reserve_only");
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ name: "reserve_only", versions: ["1.0.0", "1.1.0"], latest: { version: "1.1.0", description: "now different" } });
    const listed = await client.send("GET", "/v1/workflows");
    expect(listed.body.items.map((w: Body) => `${w.name}@${w.version}`)).toEqual(["order_processing@1.0.0", "reserve_only@1.0.0", "reserve_only@1.1.0"]);
  });

  it("treats the built-in workflow as registered: the same body answers 200 and adds no version, another body 409", async () => {
    const client = await clientOf();
    const builtin = (await client.send("GET", "/v1/workflows/order_processing")).body.latest;
    const same = await client.send("POST", "/v1/workflows", builtin);
    expect(same.status, same.text).toBe(200);
    expect(same.body).toEqual(builtin);
    expect((await client.send("GET", "/v1/workflows/order_processing")).body.versions).toEqual(["1.0.0"]);
    expectProblem(await client.send("POST", "/v1/workflows", { ...builtin, description: "mine" }), 409, "conflict");
  });

  const rejections: [string, unknown, string, RegExp][] = [
    ["an unknown role", definition([reserve({ role: "banker" })]), "flow.0.role", /unknown role 'banker'/],
    ["an action the role's type lacks", definition([reserve({ action: "ship_order" })]), "flow.0.action", /no action 'ship_order'/],
    ["a compensation that does not exist", definition([reserve({ compensation: "unreserve" })]), "flow.0.compensation", /no action 'unreserve'/],
    ["an undeclared input field", definition([reserve({ input: { ...ref, items: "$.input.quantity" } })]), "flow.0.input.items", /input field 'quantity'/],
    ["a reference to a missing step", definition([reserve(), cancelOrder({ input: { order_id: "$.steps.quote.output.id" } })]), "flow.1.input.order_id", /step 'quote', which does not exist/],
    ["a reference to a later step", definition([cancelOrder({ input: { order_id: "$.steps.reserve.output.reserved" } }), reserve()]), "flow.0.input.order_id", /has not run at this point/],
    ["an output field the action lacks", definition([reserve(), cancelOrder({ input: { order_id: "$.steps.reserve.output.sku" } })]), "flow.1.input.order_id", /has no field 'sku'/],
    ["duplicate step names", definition([reserve(), reserve()]), "flow.1.step", /duplicate step name 'reserve'/],
    ["an undeployed agent type", { ...definition(), participants: { processor: { type: "processing_agent" }, auditor: { type: "audit_agent" } } }, "participants.auditor", /not deployed/],
    ["a parallel with one branch", definition([{ parallel: [[reserve()]] }]), "flow.0.parallel", /./],
    ["an unknown field", definition([reserve({ retries: 2 })]), "flow.0.retries", /unknown field/],
  ];
  for (const [what, body, path, message] of rejections) {
    it(`rejects ${what} with 400 naming ${path}, and registers nothing`, async () => {
      const client = await clientOf();
      const reply = await client.send("POST", "/v1/workflows", body);
      expectInvalid(reply, path);
      expect(reply.body.errors.find((e: Body) => e.path === path).message).toMatch(message);
      await expectUnknown(client, "reserve_only");
    });
  }
});

describe("GET /v1/workflows", () => {
  it("pages registered and built-in definitions in key order, each once; the registry reads one page from storage", async () => {
    const client = await clientOf();
    // Around the built-in order_processing@1.0.0; in key order `order0@` comes before
    // `order@` (0 < @), though `order` sorts before `order0` as a name.
    const names = ["alpha", "order", "order0", "order_z", "zeta"];
    for (const name of names) {
      await register(client, definition(undefined, name));
      await register(client, { ...definition(undefined, name), version: "1.1.0" });
    }
    const expected = [
      "alpha@1.0.0", "alpha@1.1.0", "order0@1.0.0", "order0@1.1.0", "order@1.0.0", "order@1.1.0", "order_processing@1.0.0", "order_z@1.0.0", "order_z@1.1.0", "zeta@1.0.0", "zeta@1.1.0",
    ];
    for (const limit of [1, 2, 4, 100]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 20; page++) {
        const reply: Body = await client.send("GET", `/v1/workflows?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
        expect(reply.status, reply.text).toBe(200);
        expect(reply.body.items.length).toBeLessThanOrEqual(limit);
        seen.push(...reply.body.items.map((w: Body) => `${w.name}@${w.version}`));
        cursor = reply.body.next;
        if (cursor === null) break;
      }
      expect(seen, `limit ${limit}`).toEqual(expected);
    }
    const registry = typedStub(env.WORKFLOWS.get(env.WORKFLOWS.idFromName(workflowRegistryName(client.tenant))));
    const page = await registry.list({ tenant: client.tenant }, { after: "order@1.1.0", limit: 3 });
    expect(page.ok && page.value.map((w) => `${w.name}@${w.version}`)).toEqual(["order_z@1.0.0", "order_z@1.1.0", "zeta@1.0.0"]);
  });
});

describe("POST /v1/workflows/:name/runs", () => {
  it("refuses an input missing a required field with 400 naming it, and creates no run", async () => {
    const client = await orderClient();
    const { payment: _payment, ...input } = order("succeed");
    const key = { "idempotency-key": "missing-field" };
    const reply = await client.send("POST", "/v1/workflows/order_processing/runs", input, key);
    expect(errorPaths(expectInvalid(reply, "payment") && reply)).toEqual(["payment"]);
    const missingTwo = await client.send("POST", "/v1/workflows/order_processing/runs", { order_id: "x" });
    expect(errorPaths(missingTwo).sort()).toEqual(["amount", "items", "payment"]);
    expect((await client.send("GET", "/v1/runs")).body).toEqual({ items: [], next: null });
    // The same key now starts a run: none existed under it.
    const started = await client.send("POST", "/v1/workflows/order_processing/runs", order("succeed"), key);
    expect(started.status, started.text).toBe(202);
  });

  it("answers 404 for an unknown workflow or version", async () => {
    const client = await orderClient();
    expectProblem(await client.send("POST", "/v1/workflows/no_such_flow/runs", {}), 404);
    expectProblem(await client.send("GET", "/v1/runs/run_doesnotexist"), 404);
  });

  it("names the missing version, and the versions there are", async () => {
    const client = await orderClient();
    const missing = expectProblem(await client.send("POST", "/v1/workflows/order_processing/runs?version=9.9.9", order("succeed")), 404, "not-found");
    expect(missing.detail).toBe("No version '9.9.9' of workflow 'order_processing' exists; its versions: 1.0.0.");
    expect((await client.send("GET", "/v1/runs")).body.items).toEqual([]);
  });

  it("starts once per Idempotency-Key: the same key answers the same run with 200", async () => {
    const client = await orderClient();
    const key = { "idempotency-key": "order-77" };
    const first = await client.send("POST", "/v1/workflows/order_processing/runs", order("succeed"), key);
    expect(first.status, first.text).toBe(202);
    expect(first.headers.get("location")).toBe(`/v1/runs/${first.body.id}`);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const second = await client.send("POST", "/v1/workflows/order_processing/runs", first.body.input, key);
    expect(second.status, second.text).toBe(200);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.input).toEqual(first.body.input);
    const other = await startRun(client, "order_processing", order("succeed"), { "idempotency-key": "order-78" });
    expect(other.id).not.toBe(first.body.id);
    const run = await finished(client, first.body.id);
    expect(run.status).toBe("completed");
    expect((await finished(client, other.id)).status).toBe("completed");
    // The tenant's two processors served both runs: one charge each, none for the replay.
    const processors = run.bindings.processor as string[];
    const charged = await Promise.all(processors.map(async (id) => (await client.send("GET", `/v1/agents/${id}`)).body.state.charged));
    expect(charged.reduce((a: number, b: number) => a + b, 0)).toBe(2);
    const after = await client.send("POST", "/v1/workflows/order_processing/runs", first.body.input, key);
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ id: first.body.id, status: "completed" });
  });

  it("refuses the same Idempotency-Key with another body, or another ?version, with 422, starting nothing", async () => {
    const client = await orderClient();
    const key = { "idempotency-key": "order-79" };
    const input = order("succeed");
    const first = await client.send("POST", "/v1/workflows/order_processing/runs", input, key);
    expect(first.status, first.text).toBe(202);
    // Key order is not a different body.
    const reordered = Object.fromEntries(Object.entries(input).reverse());
    expect((await client.send("POST", "/v1/workflows/order_processing/runs", reordered, key)).status).toBe(200);

    const otherBody = expectProblem(await client.send("POST", "/v1/workflows/order_processing/runs", { ...input, amount: 43 }, key), 422, "idempotency-key-reused");
    expect(otherBody.detail).toBe("The key 'order-79' was already used for a different request.");
    expectProblem(await client.send("POST", "/v1/workflows/order_processing/runs?version=1.0.0", input, key), 422, "idempotency-key-reused");

    const run = await finished(client, first.body.id);
    expect(run.input).toEqual(input);
    const listed = await eventually("the runs index", () => client.send("GET", "/v1/runs"), (reply) => reply.body.items?.length > 0);
    expect(listed.body.items.map((r: Body) => r.id)).toEqual([first.body.id]);
  });
});

describe("GET /v1/runs", () => {
  it("pages the runs index newest first (equal start times: ids in descending byte order), each run exactly once, with and without filters", async () => {
    const client = await orderClient();
    const registry = typedStub(env.WORKFLOWS.get(env.WORKFLOWS.idFromName(workflowRegistryName(client.tenant))));
    // Written straight into the index: mixed case and punctuation, which run ids never had.
    const ids = ["b", "B", "a-1", "a.1", "A_1", "a:1", "a", "Z9", "z"];
    // One start time for all (within the index's retention of finished runs).
    const at = new Date(Date.now() - 60_000).toISOString();
    for (const [i, id] of ids.entries()) {
      const summary = { id, workflow: i % 2 === 0 ? "even" : "odd", version: "1.0.0", status: "completed", createdAt: at, updatedAt: at };
      expect(await registry.recordRun({ tenant: client.tenant }, summary)).toEqual({ ok: true, value: null });
    }
    const walk = async (query: string, limit: number): Promise<string[]> => {
      const seen: string[] = [];
      let path = `/v1/runs?${query}limit=${limit}`;
      for (let page = 0; page <= ids.length; page++) {
        const reply = await client.send("GET", path);
        expect(reply.status, reply.text).toBe(200);
        seen.push(...reply.body.items.map((item: Body) => item.id));
        if (reply.body.next === null) return seen;
        path = `/v1/runs?${query}limit=${limit}&cursor=${encodeURIComponent(reply.body.next)}`;
      }
      throw new Error("paging did not end");
    };
    const inOrder = ["A_1", "B", "Z9", "a", "a-1", "a.1", "a:1", "b", "z"].reverse();
    const even = new Set(ids.filter((_, i) => i % 2 === 0));
    for (const limit of [1, 2, 4, 9, 10]) {
      expect(await walk("", limit), `limit ${limit}`).toEqual(inOrder);
      expect(await walk("workflow=even&status=completed&", limit), `even, limit ${limit}`).toEqual(inOrder.filter((id) => even.has(id)));
    }
  });
});

describe("tenants", () => {
  it("never see each other's workflows or runs", async () => {
    const [alice, bob] = [await orderClient(), await clientOf()];
    await register(alice, definition(undefined, "alice_flow"));
    const run = await startRun(alice, "alice_flow", { order_id: "a-1", items: 1 });
    expect((await finished(alice, run.id)).status).toBe("completed");

    await expectUnknown(bob, "alice_flow");
    expect((await bob.send("GET", "/v1/workflows")).body.items.map((w: Body) => w.name)).toEqual(["order_processing"]);
    expectProblem(await bob.send("POST", "/v1/workflows/alice_flow/runs", { order_id: "b-1", items: 1 }), 404);
    expectProblem(await bob.send("GET", `/v1/runs/${run.id}`), 404);
    expectProblem(await bob.send("POST", `/v1/runs/${run.id}/cancel`), 404);
    expectProblem(await bob.send("POST", `/v1/runs/${run.id}/events`, { type: "order.approved" }), 404);
    expect((await bob.send("GET", "/v1/runs?workflow=alice_flow")).body).toEqual({ items: [], next: null });
    expectProblem(await bob.send("GET", `/v1/agents/${run.bindings.processor[0]}`), 404);

    // Bob may register his own workflow under the same name; Alice's is untouched.
    await register(bob, { ...definition(undefined, "alice_flow"), description: "bob's" });
    expect((await alice.send("GET", "/v1/workflows/alice_flow")).body.latest.description).toBe("");
    expect((await alice.send("GET", `/v1/runs/${run.id}`)).status).toBe(200);
  });
});
