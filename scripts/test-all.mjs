#!/usr/bin/env node
// `npm test`: the checks (type check, import cycles), then every suite (unit in Node,
// the same unit suite on Deno, workers, e2e) in turn, each reporting to JSON; ends with
// one line `N passed, N failed` totalling all of them. Exits non-zero when anything
// failed or a suite could not run. `npm test -- unit e2e` runs only the suites named.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Each check is one command that passes or fails; each counts as one test.
const checks = [
  ["typecheck", "npx", ["tsc", "--noEmit", "-p", "."]],
  // Type-only imports count too: a circle of types is still a circle to a reader.
  ["import cycles", "npx", ["madge", "--circular", "--extensions", "ts", "--ts-config", "tsconfig.json", "src", "objects", "scripts", "test"]],
  // The deploy bundle builds (`wrangler deploy --dry-run`) and fits the free plan's 3 MiB.
  ["deploy bundle", "npx", ["tsx", "scripts/check-bundle.ts"]],
];
const suites = [
  ["unit", "npx", ["vitest", "run", "--config", "vitest.unit.config.ts"]],
  // The pure core runs outside workerd and Node too: the same unit files on Deno.
  ["unit (deno)", "npx", ["deno", "run", "-A", "npm:vitest@4.1.12", "run", "--config", "vitest.unit.config.ts"]],
  ["workers", "npx", ["vitest", "run", "--config", "vitest.workers.config.ts"]],
  // Tracing needs span export on, which is per workerd: its own workerd and configuration.
  ["workers (tracing)", "npx", ["vitest", "run", "--config", "vitest.tracing.config.ts"]],
  ["e2e", "npx", ["vitest", "run", "--config", "vitest.e2e.config.ts"]],
];
const only = process.argv.slice(2);
const selected = (name) => only.length === 0 || only.includes(name.split(" ")[0]);
const out = mkdtempSync(join(tmpdir(), "jido-test-"));
let passed = 0;
let failed = 0;
const lines = [];

for (const [name, command, args] of checks) {
  if (!selected(name) && !selected("checks")) continue;
  const run = spawnSync(command, args, { stdio: "inherit" });
  if (run.status === 0) passed++;
  else failed++;
  lines.push(`${name}: ${run.status === 0 ? "ok" : "FAILED"}`);
}

for (const [name, command, args] of suites) {
  if (!selected(name)) continue;
  const report = join(out, `${name.replace(/\W+/g, "-")}.json`);
  const run = spawnSync(command, [...args, "--reporter=default", "--reporter=json", `--outputFile.json=${report}`], { stdio: "inherit" });
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
