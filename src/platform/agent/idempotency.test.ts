import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { callFingerprint, hashedFingerprint, requestFingerprint, sameFingerprint, TEXT_FINGERPRINT_MAX } from "./idempotency.ts";

describe("agent call fingerprints", () => {
  it("is the canonical text of a short request, the SHA-256 of a long one", async () => {
    expect(callFingerprint("inc", { b: 1, a: 2 })).toBe('inc\n{"a":2,"b":1}');
    const long = { text: "x".repeat(TEXT_FINGERPRINT_MAX) };
    expect(await callFingerprint("inc", long)).toBe(await requestFingerprint("inc", long));
  });

  it("matches a record hashed by an earlier version, and hashes for checkpoints", async () => {
    const hashed = await requestFingerprint("inc", { by: 1 });
    const text = await callFingerprint("inc", { by: 1 });
    expect(text).not.toBe(hashed);
    expect(await sameFingerprint(hashed, text)).toBe(true);
    expect(await sameFingerprint(text, hashed)).toBe(true);
    expect(await hashedFingerprint(text)).toBe(hashed);
    expect(await hashedFingerprint(hashed)).toBe(hashed);
  });

  it("tells two requests apart in either form, and never takes the platform's empty fingerprint for one", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue(), fc.jsonValue(), async (action, a, b) => {
        const fa = await callFingerprint(action, a);
        const fb = await callFingerprint(action, b);
        const same = JSON.stringify(await requestFingerprint(action, a)) === JSON.stringify(await requestFingerprint(action, b));
        expect(await sameFingerprint(fa, fb)).toBe(same);
        expect(await sameFingerprint(await requestFingerprint(action, a), fb)).toBe(same);
        expect(await sameFingerprint("", fa)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
