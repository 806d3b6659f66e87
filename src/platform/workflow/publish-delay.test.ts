import { describe, expect, it } from "vitest";
import { PUBLISH_COALESCE_MS, publishDelay } from "./publish-delay.ts";

describe("when a coordinator publishes", () => {
  it("waits a moment for more turns only while the run goes on with calls under way", () => {
    expect(publishDelay("running", 2)).toBe(PUBLISH_COALESCE_MS);
    expect(publishDelay("compensating", 1)).toBe(PUBLISH_COALESCE_MS);
    expect(publishDelay("running", 0)).toBe(0);
    for (const status of ["completed", "failed", "compensated", "cancelled", "timed_out"] as const) expect(publishDelay(status, 3)).toBe(0);
  });
});
