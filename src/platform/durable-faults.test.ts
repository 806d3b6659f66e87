import { describe, expect, it } from "vitest";
import { classifyDurableFault, faultKind } from "./durable-faults.ts";

const flagged = (flags: Record<string, boolean>, message = "x") => Object.assign(new Error(message), flags);

describe("classifyDurableFault", () => {
  it("never retries overload, even when also marked retryable", () => {
    expect(classifyDurableFault(flagged({ overloaded: true, retryable: true }))).toBe("overloaded");
  });

  it("retries what the runtime marks retryable, and SQLite running out of memory", () => {
    expect(classifyDurableFault(flagged({ retryable: true }))).toBe("retryable");
    expect(classifyDurableFault(new Error("SqliteError: SQLITE_NOMEM: out of memory"))).toBe("retryable");
    expect(faultKind(new Error("SQLITE_NOMEM"))).toBe("sqlite_nomem");
    expect(classifyDurableFault(new Error("internal error; reference = gpf2i7qjcpcr430t6h1b63f5"))).toBe("retryable");
    expect(faultKind(new Error("internal error; reference = x"))).toBe("runtime_internal");
  });

  it("treats anything else as a fault to report", () => {
    expect(classifyDurableFault(new Error("boom"))).toBe("fatal");
    expect(classifyDurableFault("string")).toBe("fatal");
    expect(classifyDurableFault(flagged({ retryable: false }))).toBe("fatal");
  });
});
