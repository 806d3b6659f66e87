// `npm run -s token`: the usage text, usage errors that name the mistake (exit 2, no
// stack trace), and tokens the platform accepts, with a subject that names the tenant.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/dev-server.ts";
import { ensureDevVars } from "../../src/cli/local-secret.ts";
import { createVerifier } from "../../src/platform/security/tokens.ts";

// The scripts' secrets go to a file of this test's own, never to the repository's .dev.vars.
process.env.JIDO_DEV_VARS = join(mkdtempSync(join(tmpdir(), "jido-e2e-devvars-")), ".dev.vars");

type Run = { code: number; stdout: string; stderr: string };

const token = (...args: string[]): Promise<Run> =>
  new Promise((resolve) => {
    execFile(`${ROOT}node_modules/.bin/tsx`, ["scripts/token.ts", ...args], { cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });

const STACK_FRAME = /^\s+at /m;

const principalOf = async (run: Run) => {
  expect(run).toMatchObject({ code: 0, stderr: "" });
  const verified = await createVerifier({ secret: ensureDevVars().secret })(run.stdout.trim());
  if (!verified.ok) throw new Error(verified.reason);
  return verified.principal;
};

describe("npm run token", () => {
  it("prints its usage for --help and exits 0", async () => {
    const run = await token("--help");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: npm run -s token -- \[options\]/);
    for (const flag of ["--tenant", "--cap", "--sub", "--ttl", "--rps"]) expect(run.stdout).toContain(flag);
  });

  it.each([
    [["--nope"], /^error: Unknown option '--nope'/],
    [["--tenant", "a/b"], /^error: --tenant 'a\/b': must be 1-128 characters/],
    [["--cap", "agents call"], /^error: --cap 'agents call': must be segments/],
    [["--cap", "{not json"], /^error: --cap '\{not json': not valid JSON/],
    [["--cap", '{"name":"admin","constraints":3}'], /^error: --cap '.*': constraints: /],
    [["--ttl", "soon"], /^error: --ttl 'soon': must be a positive whole number of seconds/],
    [["--ttl", "0"], /^error: --ttl '0'/],
    [["--rps", "0"], /^error: --rps '0'/],
    [["--tenant"], /^error: Option '--tenant <value>' argument missing/],
  ])("refuses %j with exit 2, a message and no stack trace", async (args, message) => {
    const run = await token(...args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it("names the tenant in the default subject", async () => {
    expect(await principalOf(await token())).toMatchObject({ subject: "local-admin", tenant: "local", grants: [{ name: "admin" }] });
    expect(await principalOf(await token("--tenant", "acme"))).toMatchObject({ subject: "acme-admin", tenant: "acme" });
    const limited = await principalOf(await token("--tenant", "acme", "--cap", "agents:call:counter.*", "--rps", "5"));
    expect(limited).toMatchObject({ subject: "acme-user", tenant: "acme", rps: 5, grants: [{ name: "agents:call:counter.*" }] });
  });

  it("takes --sub and grants given as JSON", async () => {
    const run = await token("--tenant", "acme", "--sub", "ci-bot", "--cap", '{"name":"agents:call:counter.increment","constraints":{"maxBy":10}}');
    expect(await principalOf(run)).toMatchObject({
      subject: "ci-bot",
      grants: [{ name: "agents:call:counter.increment", constraints: { maxBy: 10 } }],
    });
  });
});
