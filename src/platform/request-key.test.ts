import { describe, expect, it } from "vitest";
import { idFromRequestKey, requestKeyOf, requestKeySchema } from "./request-key.ts";

describe("request keys", () => {
  it("is the client's key when sent, else a fresh platform key in the key alphabet", () => {
    expect(requestKeyOf("order-1")).toBe("order-1");
    const made = requestKeyOf(undefined);
    expect(made).toMatch(/^platform:[0-9a-f-]{36}$/);
    expect(requestKeySchema.safeParse(made).success).toBe(true);
    expect(requestKeyOf(undefined)).not.toBe(made);
  });

  it("derives the same id from the same key and distinct ids from distinct keys", async () => {
    const id = await idFromRequestKey("sub", "k-1");
    expect(id).toMatch(/^sub_[0-9a-f]{32}$/);
    expect(await idFromRequestKey("sub", "k-1")).toBe(id);
    expect(await idFromRequestKey("sub", "k-2")).not.toBe(id);
    expect(await idFromRequestKey("grt", "k-1")).toBe(`grt_${id.slice(4)}`);
  });
});
