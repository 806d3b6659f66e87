import { describe, expect, it } from "vitest";
import { isReservedEventType, isReservedStream, retentionRefusal, streamCovers, workflowShardStream } from "./reserved-streams.ts";

describe("platform streams", () => {
  it("are audit, workflow, every workflow.* (run shard) stream, config and every dlq.* stream", () => {
    for (const stream of ["audit", "workflow", "workflow.0", workflowShardStream(63), "workflow.x", "config", "dlq.sub-1"]) expect(isReservedStream(stream), stream).toBe(true);
    for (const stream of ["orders", "audits", "workflows", "workflow_0", "configs", "dlq"]) expect(isReservedStream(stream), stream).toBe(false);
    expect(isReservedEventType("workflow.run.started")).toBe(true);
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

  it("a subscription naming `workflow` covers every run shard's stream; any other name covers itself alone", () => {
    expect(streamCovers("workflow", "workflow")).toBe(true);
    expect(streamCovers("workflow", "workflow.5")).toBe(true);
    expect(streamCovers("workflow.5", "workflow.5")).toBe(true);
    expect(streamCovers("workflow.5", "workflow.4")).toBe(false);
    expect(streamCovers("workflow.5", "workflow")).toBe(false);
    expect(streamCovers("orders", "orders.eu")).toBe(false);
    expect(streamCovers("workflows", "workflow.1")).toBe(false);
  });
});
