import { describe, expect, it } from "vitest";
import { idClaim, PLATFORM_PUBLISHER, publishRequirements } from "./publish-access.ts";

describe("publishRequirements", () => {
  it("needs only events:publish:<type> for the type's own stream, named or not", () => {
    expect(publishRequirements({ type: "order.created", data: { region: "eu" } })).toEqual([
      { capability: "events:publish:order.created", context: { region: "eu" } },
    ]);
    expect(publishRequirements({ type: "order.created", stream: "order" }).map((r) => r.capability)).toEqual(["events:publish:order.created"]);
  });

  it("adds events:write:<stream> for any other stream, with the same constraint context", () => {
    expect(publishRequirements({ type: "order.created", stream: "billing", data: { n: 1 } })).toEqual([
      { capability: "events:publish:order.created", context: { n: 1 } },
      { capability: "events:write:billing", context: { n: 1 } },
    ]);
    expect(publishRequirements({ type: "order.created", stream: "order.eu" }).map((r) => r.capability)).toEqual([
      "events:publish:order.created",
      "events:write:order.eu",
    ]);
  });

  it("checks constraints only against object data", () => {
    for (const data of [null, 3, "text", [1, 2], undefined]) expect(publishRequirements({ type: "a.b", data })[0]?.context).toEqual({});
  });
});

describe("idClaim", () => {
  it("is new when nobody stored the id", () => {
    expect(idClaim(undefined, "principal:alice")).toBe("new");
  });

  it("is a duplicate for the same publisher and a conflict for another principal", () => {
    expect(idClaim("principal:alice", "principal:alice")).toBe("duplicate");
    expect(idClaim("principal:alice", "principal:mallory")).toBe("conflict");
    expect(idClaim(PLATFORM_PUBLISHER, "principal:mallory")).toBe("conflict");
  });

  it("never refuses the platform, and lets anyone retry an id stored before publishers were kept", () => {
    expect(idClaim("principal:alice", PLATFORM_PUBLISHER)).toBe("duplicate");
    expect(idClaim(null, "principal:mallory")).toBe("duplicate");
  });
});
