import { describe, expect, it } from "vitest";
import { isReservedEventType, isReservedStream, retentionRefusal } from "./reserved-streams.ts";

describe("platform streams", () => {
  it("are audit, workflow, config and every dlq.* stream", () => {
    for (const stream of ["audit", "workflow", "config", "dlq.sub-1"]) expect(isReservedStream(stream), stream).toBe(true);
    for (const stream of ["orders", "audits", "workflows", "configs", "dlq"]) expect(isReservedStream(stream), stream).toBe(false);
    expect(isReservedEventType("audit.entry")).toBe(true);
    expect(isReservedEventType("order.created")).toBe(false);
  });

  it("refuse retention through the API with a 403 naming the stream and the rule; other streams take it", () => {
    const refusal = retentionRefusal("audit");
    expect(refusal?.reason).toMatch(/deployment's configuration/);
    expect(refusal?.problem.problem).toMatchObject({ status: 403, type: expect.stringMatching(/\/platform-stream$/), extensions: { stream: "audit" } });
    expect(refusal?.problem.problem.detail).toContain("'audit'");
    expect(retentionRefusal("dlq.x")?.problem.status).toBe(403);
    expect(retentionRefusal("orders")).toBeNull();
  });
});
