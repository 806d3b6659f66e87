import { describe, expect, it } from "vitest";
import { parseSize } from "./resources.ts";

describe("parseSize", () => {
  it.each([
    ["512MB", 512 * 1024 ** 2],
    ["10GB", 10 * 1024 ** 3],
    ["1.5 GiB", 1.5 * 1024 ** 3],
    ["64kb", 64 * 1024],
    ["100B", 100],
  ])("%s is %d bytes", (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(["", "MB", "12", "-5MB", "5 parsecs", "0GB"])("%j is not a size", (text) => {
    expect(parseSize(text)).toBeNull();
  });
});
