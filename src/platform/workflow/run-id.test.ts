import { describe, expect, it } from "vitest";
import { runIdFor } from "./run-id.ts";

describe("runIdFor", () => {
  it("names the same run for the same workflow and key, another for another key or workflow", async () => {
    const id = await runIdFor("order_processing", "k-1");
    expect(id).toMatch(/^run_[0-9a-f]{32}$/);
    expect(await runIdFor("order_processing", "k-1")).toBe(id);
    expect(await runIdFor("order_processing", "k-2")).not.toBe(id);
    expect(await runIdFor("other", "k-1")).not.toBe(id);
  });

  it("draws a fresh id without a key", async () => {
    const [a, b] = [await runIdFor("order_processing", undefined), await runIdFor("order_processing", undefined)];
    expect(a).toMatch(/^run_[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
  });
});
