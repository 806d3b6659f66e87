import { describe, expect, it } from "vitest";
import { withinBatchSize } from "./outbox-batch.ts";

const sized = (...sizes: number[]) => sizes.map((size, i) => ({ i, size }));
const take = (rows: { i: number; size: number }[], max: number) => withinBatchSize(rows, (row) => row.size, max).map((row) => row.i);

describe("withinBatchSize", () => {
  it("takes rows in order while their total fits", () => {
    expect(take(sized(3, 3, 3, 3), 10)).toEqual([0, 1, 2]);
    expect(take(sized(5, 5), 10)).toEqual([0, 1]);
  });

  it("always takes the first row, however large, so a big event is never stuck", () => {
    expect(take(sized(50, 1), 10)).toEqual([0]);
  });

  it("takes nothing from nothing", () => {
    expect(take([], 10)).toEqual([]);
  });
});
