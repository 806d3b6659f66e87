// `npm run check:bundle`: keeps the Worker deployable. Builds exactly what `wrangler
// deploy` would upload (`--dry-run`, offline, no account needed), measures it raw and
// gzipped, prints one line, and exits 1 when the gzipped size passes the Workers Free
// plan's limit of 3 MiB (`--limit-mib 10` for the Paid plan), before a deploy finds out.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parseCommandLine, runCli, UsageError } from "./lib/cli.ts";
import { ROOT } from "./lib/dev-server.ts";
import { WRANGLER, wranglerEnv } from "./lib/wrangler-env.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

const USAGE = `Usage: npm run check:bundle [-- --limit-mib <n>]

Runs \`wrangler deploy --dry-run\` into a temporary directory, prints the size of the
Worker's modules raw and gzipped, and exits 1 when the gzipped size passes the limit,
0 otherwise.

Options:
  --limit-mib <n>   the gzip limit in MiB (default 3, the Workers Free plan; Paid: 10)
  -h, --help        this text
`;

const size = (bytes: number): string => (bytes >= MiB ? `${Number((bytes / MiB).toFixed(2))} MiB` : `${Math.round(bytes / KiB)} KiB`);

await runCli(() => {
  const { values } = parseCommandLine(USAGE, { options: { "limit-mib": { type: "string", default: "3" } } });
  const limitMib = Number(values["limit-mib"]);
  if (!(limitMib > 0)) throw new UsageError(`--limit-mib '${values["limit-mib"]}': must be a positive number`);
  const limit = Math.floor(limitMib * MiB);
  const outdir = mkdtempSync(join(tmpdir(), "jido-bundle-"));
  try {
    const build = spawnSync(WRANGLER, ["deploy", "--dry-run", "--outdir", outdir], { cwd: ROOT, env: wranglerEnv(), encoding: "utf8" });
    if (build.status !== 0) {
      process.stderr.write(`${build.stdout ?? ""}${build.stderr ?? ""}`);
      console.error(`check:bundle: \`wrangler deploy --dry-run\` failed (exit ${build.status ?? build.signal})`);
      process.exit(1);
    }
    // What is uploaded: the modules. Source maps are not (no upload_source_maps), and
    // wrangler adds a README.md to the directory.
    const modules = readdirSync(outdir, { recursive: true, encoding: "utf8" })
      .map((name) => join(outdir, name))
      .filter((path) => statSync(path).isFile() && !path.endsWith(".map") && !path.endsWith("README.md"));
    if (modules.length === 0) {
      console.error(`check:bundle: wrangler wrote no modules to ${outdir}`);
      process.exit(1);
    }
    let raw = 0;
    let gzip = 0;
    for (const path of modules) {
      const bytes = readFileSync(path);
      raw += bytes.byteLength;
      gzip += gzipSync(bytes).byteLength;
    }
    const over = gzip > limit;
    console.log(`bundle: ${size(raw)} raw, ${size(gzip)} gzip (limit ${size(limit)} gzip)${over ? " -- OVER THE LIMIT" : ""}`);
    process.exitCode = over ? 1 : 0;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
