// `npm run -s token -- [--tenant T] [--cap C]... [--sub S] [--ttl SECONDS] [--rps N]`
// prints a token signed with the local secret, on stdout alone, so scripts can use
// TOKEN=$(npm run -s token). Defaults: tenant "local", capability "admin", 30 days.
import { parseArgs } from "node:util";
import { signToken } from "../src/platform/security/tokens.ts";
import { ensureDevVars } from "./lib/local-secret.ts";

const { values } = parseArgs({
  options: {
    tenant: { type: "string", default: "local" },
    cap: { type: "string", multiple: true },
    sub: { type: "string", default: "local-admin" },
    ttl: { type: "string", default: String(30 * 24 * 3600) },
    rps: { type: "string" },
  },
});

const ttlSeconds = Number(values.ttl);
if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
  console.error("--ttl must be a positive number of seconds");
  process.exit(2);
}
const { secret } = ensureDevVars();
const caps = (values.cap ?? ["admin"]).map((cap) => (cap.startsWith("{") ? JSON.parse(cap) : cap));
const token = await signToken(secret, {
  subject: values.sub,
  tenant: values.tenant,
  caps,
  ttlSeconds,
  ...(values.rps ? { rps: Number(values.rps) } : {}),
});
process.stdout.write(`${token}\n`);
