// The local token secret: read from .dev.vars, which is created from the committed
// .dev.vars.example with a freshly generated random secret when it does not exist.
// JIDO_DEV_VARS names another file to use instead (tests use a temporary one, so that
// they never create or read a developer's .dev.vars); `npm start` hands the same file to
// wrangler, so the tokens it prints and `npm run token` / `jido token` mint are the ones
// it accepts. It lives with the CLI (scripts/ import it from here; src never imports scripts).
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The project's root folder (src/cli/ is two levels below it). */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const EXAMPLE = join(ROOT, ".dev.vars.example");

/** The secrets file: `$JIDO_DEV_VARS` when set, else `.dev.vars` in the project. */
export const devVarsPath = (): string => (process.env.JIDO_DEV_VARS ? resolve(process.env.JIDO_DEV_VARS) : join(ROOT, ".dev.vars"));

export const ensureDevVars = (): { secret: string; created: boolean; path: string } => {
  const path = devVarsPath();
  let created = false;
  if (!existsSync(path)) {
    const secret = randomBytes(32).toString("hex");
    writeFileSync(path, readFileSync(EXAMPLE, "utf8").replace("JIDO_JWT_SECRET=generate-me", `JIDO_JWT_SECRET=${secret}`), { mode: 0o600 });
    created = true;
  }
  const secret = /^JIDO_JWT_SECRET=(.+)$/m.exec(readFileSync(path, "utf8"))?.[1]?.trim();
  if (!secret || secret === "generate-me") throw new Error(`${path} has no JIDO_JWT_SECRET`);
  return { secret, created, path };
};
