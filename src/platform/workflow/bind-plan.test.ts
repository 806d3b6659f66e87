// Planning a run's binding and deciding it over discovery's answers: what is discovered,
// spawned or named; the 409 that names a role short of min_count; optional roles.
import { describe, expect, it } from "vitest";
import { ProblemError } from "../problem.ts";
import type { DiscoveryAnswer } from "../discovery/query.ts";
import { bindDiscovered, planBinding } from "./bind-plan.ts";
import type { AgentCatalog } from "./catalog.ts";
import { defineWorkflow } from "./define-workflow.ts";
import type { WorkflowDefinitionInput } from "./definition.ts";

const catalog: AgentCatalog = new Map([
  ["worker", { name: "worker", capabilities: { processing: ["orders"] }, actions: new Map([["work", null]]) }],
  ["helper", { name: "helper", capabilities: { processing: "orders" }, actions: new Map([["work", null]]) }],
  ["notifier", { name: "notifier", capabilities: { channel: "email" }, actions: new Map([["work", null]]) }],
]);

const define = (participants: WorkflowDefinitionInput["participants"]) =>
  defineWorkflow({ name: "wf", version: "1.0.0", participants, flow: Object.keys(participants).map((role) => ({ step: `s_${role}`, role, action: "work" })) });

const answer = (ids: string[], matched = ids.length): DiscoveryAnswer => ({
  strategy: "global",
  tier: "global",
  near: { locationHint: null, jurisdiction: null },
  min_count: 1,
  matched,
  satisfied: true,
  counts: { local: 0, regional: 0, global: matched },
  items: ids.map((id, i) => ({ agent: { id } as DiscoveryAnswer["items"][number]["agent"], score: 0.9 - i / 100, parts: { capability: 1, health: 1, load: 1 - i / 10, locality: 0 } })),
});

describe("planBinding", () => {
  it("discovers by default (types from the catalog for a capability), spawns only when asked, keeps named agents", () => {
    const plan = planBinding(
      define({
        a: { type: "worker", constraints: { region: "us" }, min_count: 2 },
        b: { capability: { processing: "orders" } },
        c: { type: "notifier", spawn: true, min_count: 2 },
        d: { type: "notifier", spawn: 3 },
        e: { type: "worker", agents: ["w1"] },
      }),
      catalog,
    );
    expect(plan.queries).toEqual([
      { role: "a", query: { types: ["worker"], constraints: { region: "us" }, min_count: 2, strategy: "global", limit: 14 } },
      { role: "b", query: { types: ["worker", "helper"], constraints: {}, min_count: 1, strategy: "global", limit: 12 } },
    ]);
    expect(plan.spawns).toEqual([{ role: "c", type: "notifier", count: 2 }, { role: "d", type: "notifier", count: 3 }]);
    expect(plan.fixed).toEqual({ e: { agents: [{ id: "w1", how: "explicit", score: null, parts: null }], spares: [] } });
  });

  it("refuses a definition that spawns fewer than min_count, or both names and spawns agents", () => {
    expect(() => define({ a: { type: "worker", spawn: 1, min_count: 2 } })).toThrow(/spawns fewer agents than min_count/);
    expect(() => define({ a: { type: "worker", spawn: true, agents: ["w1"] } })).toThrow(/agents or spawn/);
  });
});

describe("bindDiscovered", () => {
  const definition = define({ a: { type: "worker", min_count: 2 }, n: { type: "notifier", optional: true } });
  const plan = planBinding(definition, catalog);

  it("binds min_count of the candidates and keeps the others as spares, with their scores", () => {
    const roles = bindDiscovered(definition, plan, [answer(["w1", "w2", "w3"]), answer([])], () => 0);
    expect(roles.a!.agents).toHaveLength(2);
    expect(roles.a!.spares).toHaveLength(1);
    expect(roles.a!.agents[0]).toMatchObject({ how: "discovered", score: expect.any(Number), parts: expect.objectContaining({ load: expect.any(Number) }) });
    expect(roles.n).toEqual({ agents: [], spares: [] });
  });

  it("refuses with 409 naming the role, what it needs and how many were found", () => {
    let thrown: unknown;
    try {
      bindDiscovered(definition, plan, [answer(["w1"]), answer([])], () => 0);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProblemError);
    const problem = (thrown as ProblemError).problem;
    expect(problem.status).toBe(409);
    expect(problem.detail).toBe("The run cannot start: role 'a' needs 2 running agents of type 'worker'; discovery found 1.");
    expect(problem.extensions).toEqual({ code: "participants-unavailable", roles: [{ role: "a", found: 1, min_count: 2 }] });
  });
});
