import { describe, expect, it } from "vitest";
import { createIdCache } from "./durable-ids.ts";

const namespace = () => {
  const asked: string[] = [];
  return { asked, idFromName: (name: string) => (asked.push(name), { name }) };
};

describe("createIdCache", () => {
  it("asks the namespace once per name, and keeps namespaces apart", () => {
    const idOf = createIdCache<{ name: string }>();
    const a = namespace();
    const b = namespace();
    const first = idOf(a, "x");
    expect(idOf(a, "x")).toBe(first);
    expect(idOf(a, "y")).toEqual({ name: "y" });
    expect(idOf(b, "x")).not.toBe(first);
    expect(a.asked).toEqual(["x", "y"]);
    expect(b.asked).toEqual(["x"]);
  });

  it("forgets every name once full, and still answers the right id", () => {
    const idOf = createIdCache<{ name: string }>(2);
    const a = namespace();
    idOf(a, "x");
    idOf(a, "y");
    expect(idOf(a, "z")).toEqual({ name: "z" });
    expect(idOf(a, "x")).toEqual({ name: "x" });
    expect(a.asked).toEqual(["x", "y", "z", "x"]);
  });
});
