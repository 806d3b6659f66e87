import fc from "fast-check";
import { applyPatch } from "rfc6902";
import { describe, expect, it } from "vitest";
import { decideUpdate } from "./update.ts";

describe("decideUpdate", () => {
  it("sends a patch when it is smaller than the state", () => {
    const before = { items: Array.from({ length: 50 }, (_, i) => i), title: "t" };
    const after = { ...before, title: "u" };
    const update = decideUpdate(before, after, JSON.stringify(after), 4, 5);
    expect(update.kind).toBe("patch");
    expect(JSON.parse(update.message)).toEqual({ type: "patch", from: 4, version: 5, patch: [{ op: "replace", path: "/title", value: "u" }] });
  });

  it("sends the whole state when the patch would be as large or larger", () => {
    const update = decideUpdate({ value: 1 }, { value: 2 }, '{"value":2}', 1, 2);
    expect(update.kind).toBe("state");
    expect(JSON.parse(update.message)).toEqual({ type: "state", version: 2, state: { value: 2 } });
  });

  it("either way, the message brings a copy of the previous state to the new one", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        const before = JSON.parse(JSON.stringify(a)) as unknown;
        const after = JSON.parse(JSON.stringify(b)) as unknown;
        const message = JSON.parse(decideUpdate(before, after, JSON.stringify(after), 0, 1).message);
        if (message.type === "state") {
          expect(message.state).toEqual(after);
          return;
        }
        const copy = { root: structuredClone(before) };
        applyPatch(copy, message.patch.map((op: { path: string }) => ({ ...op, path: `/root${op.path}` })));
        expect(copy.root).toEqual(after);
      }),
    );
  });
});
