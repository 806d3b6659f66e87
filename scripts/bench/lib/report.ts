// Pieces of what the benchmarks print that more than one prints the same way: a load's
// errors, and the ratio and verdict cells of the summary tables.
import { fmt, type LoadResult, ratio } from "./stats.ts";

/** A load's error count and first errors, under `label`; nothing when there were none. */
export const printErrors = (label: string, r: LoadResult): void => {
  if (r.errors === 0) return;
  console.log(`    ${label}: ${r.errors} errors; first ${r.firstErrors.length}:`);
  for (const error of r.firstErrors) console.log(`      ${error}`);
};

/** "1.23x": platform / bare. */
export const ratioText = (platform: number, bare: number): string => `${fmt(ratio(platform, bare), 2)}x`;

/** Whether a target was met, as a summary table prints it. */
export const verdict = (met: boolean): string => (met ? "met" : "**missed**");
