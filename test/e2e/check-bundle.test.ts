// `npm run check:bundle` builds the Worker as `wrangler deploy` would (offline), prints
// its size in one line, and fails once the gzipped size passes the limit.
import { execFile } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/dev-server.ts";

const checkBundle = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(`${ROOT}node_modules/.bin/tsx`, ["scripts/check-bundle.ts", ...args], { cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });

const LINE = /^bundle: [0-9.]+ (KiB|MiB) raw, [0-9.]+ (KiB|MiB) gzip \(limit 3 MiB gzip\)$/;

describe("check:bundle", () => {
  it("passes under the Free plan's 3 MiB gzip and says so in one line", async () => {
    const run = await checkBundle();
    expect(run.stdout.trim()).toMatch(LINE);
    expect(run.code).toBe(0);
  });

  it("fails past the limit", async () => {
    const run = await checkBundle("--limit-mib", "0.01");
    expect(run.stdout).toContain("OVER THE LIMIT");
    expect(run.code).toBe(1);
  });
});
