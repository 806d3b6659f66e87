#!/usr/bin/env node
// `npm test`: the type check, then every suite (unit, workers, e2e) in turn, each
// reporting to JSON; ends with one line `N passed, N failed` totalling all of them.
// Exits non-zero when anything failed or a suite could not run.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const suites = [
  ["unit", "vitest.unit.config.ts"],
  ["workers", "vitest.workers.config.ts"],
  ["e2e", "vitest.e2e.config.ts"],
];
const only = process.argv.slice(2);
const out = mkdtempSync(join(tmpdir(), "jido-test-"));
let passed = 0;
let failed = 0;
const lines = [];

const typecheck = spawnSync("npx", ["tsc", "--noEmit", "-p", "."], { stdio: "inherit" });
if (typecheck.status === 0) passed++;
else failed++;
lines.push(`typecheck: ${typecheck.status === 0 ? "ok" : "FAILED"}`);

for (const [name, config] of suites) {
  if (only.length > 0 && !only.includes(name)) continue;
  const report = join(out, `${name}.json`);
  const run = spawnSync(
    "npx",
    ["vitest", "run", "--config", config, "--reporter=default", "--reporter=json", `--outputFile.json=${report}`],
    { stdio: "inherit" },
  );
  let summary;
  try {
    summary = JSON.parse(readFileSync(report, "utf8"));
  } catch {
    summary = null;
  }
  if (!summary) {
    failed++;
    lines.push(`${name}: did not report (exit ${run.status})`);
    continue;
  }
  const suiteFailed = summary.numFailedTests + (summary.success || summary.numFailedTests > 0 ? 0 : 1);
  passed += summary.numPassedTests;
  failed += suiteFailed;
  lines.push(`${name}: ${summary.numPassedTests} passed, ${suiteFailed} failed`);
}
rmSync(out, { recursive: true, force: true });
console.log(`\n${lines.join("\n")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
