// The local token secret: read from .dev.vars, which is created from the committed
// .dev.vars.example with a freshly generated random secret when it does not exist.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./dev-server.ts";

const DEV_VARS = join(ROOT, ".dev.vars");
const EXAMPLE = join(ROOT, ".dev.vars.example");

export const ensureDevVars = (): { secret: string; created: boolean } => {
  let created = false;
  if (!existsSync(DEV_VARS)) {
    const secret = randomBytes(32).toString("hex");
    writeFileSync(DEV_VARS, readFileSync(EXAMPLE, "utf8").replace("JIDO_JWT_SECRET=generate-me", `JIDO_JWT_SECRET=${secret}`), { mode: 0o600 });
    created = true;
  }
  const secret = /^JIDO_JWT_SECRET=(.+)$/m.exec(readFileSync(DEV_VARS, "utf8"))?.[1]?.trim();
  if (!secret || secret === "generate-me") throw new Error(`${DEV_VARS} has no JIDO_JWT_SECRET`);
  return { secret, created };
};
