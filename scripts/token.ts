// `npm run -s token -- [options]` prints a token signed with the local secret
// (.dev.vars), on stdout alone, so scripts can use TOKEN=$(npm run -s token). Each value
// is checked with the platform's own claim rules, so a token it prints is one the
// platform accepts; a mistake exits 2 naming the flag. `--help` for the options.
import type { z } from "zod";
import { idSchema } from "../src/platform/ids.ts";
import { claimsSchema, type TokenCapability, tokenCapabilitySchema } from "../src/platform/security/claims.ts";
import { signToken } from "../src/platform/security/tokens.ts";
import { fieldErrors } from "../src/platform/zod-issues.ts";
import { parseCommandLine, runCli, UsageError } from "./lib/cli.ts";
import { ensureDevVars } from "../src/cli/local-secret.ts";

const DEFAULT_TTL = 30 * 24 * 3600;

const USAGE = `Usage: npm run -s token -- [options]

Prints a platform token (HS256, signed with JIDO_JWT_SECRET from .dev.vars, or the file
$JIDO_DEV_VARS names, which is created when missing) on stdout.

Options:
  --tenant <id>     the tenant the token acts in (default "local")
  --cap <cap>       a capability, repeatable (default "admin"): a name such as
                    'agents:call:counter.*', or a grant as JSON such as
                    '{"name":"agents:call:counter.increment","constraints":{"maxBy":10}}'
  --sub <subject>   the token's subject (default "<tenant>-admin" with the default
                    capability, "<tenant>-user" with --cap)
  --ttl <seconds>   lifetime in seconds (default ${DEFAULT_TTL}, 30 days)
  --rps <n>         requests per second allowed to this token (default: the deployment's)
  -h, --help        this text

Exit codes: 0 printed a token, 2 usage error.

Examples:
  export TOKEN=$(npm run -s token)
  npm run -s token -- --tenant acme --cap 'agents:spawn:counter' --cap 'agents:call:counter.*'
`;

/** `schema.parse` whose failure is a usage error naming the flag and the value. */
const check = <T extends z.ZodType>(flag: string, raw: string, schema: T, value: unknown = raw): z.output<T> => {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const reasons = fieldErrors(parsed.error.issues).map((e) => (e.path === "(root)" ? e.message : `${e.path}: ${e.message}`));
  throw new UsageError(`${flag} '${raw}': ${reasons.join("; ")}`);
};

const capability = (raw: string): TokenCapability => {
  if (!raw.trimStart().startsWith("{")) return check("--cap", raw, tokenCapabilitySchema);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new UsageError(`--cap '${raw}': not valid JSON (a grant is {"name": ..., "constraints": {...}})`);
  }
  return check("--cap", raw, tokenCapabilitySchema, json);
};

const wholeNumber = (flag: string, raw: string): number => {
  if (!/^[0-9]+$/.test(raw) || Number(raw) <= 0 || !Number.isSafeInteger(Number(raw))) {
    throw new UsageError(`${flag} '${raw}': must be a positive whole number of seconds`);
  }
  return Number(raw);
};

await runCli(async () => {
  const { values } = parseCommandLine(USAGE, {
    options: {
      tenant: { type: "string", default: "local" },
      cap: { type: "string", multiple: true },
      sub: { type: "string" },
      ttl: { type: "string", default: String(DEFAULT_TTL) },
      rps: { type: "string" },
    },
  });
  const tenant = check("--tenant", values.tenant, idSchema);
  const caps = values.cap ? values.cap.map(capability) : ["admin"];
  const subject = check("--sub", values.sub ?? `${tenant}-${values.cap ? "user" : "admin"}`, claimsSchema.shape.sub);
  const ttlSeconds = wholeNumber("--ttl", values.ttl);
  const rps = values.rps === undefined ? undefined : check("--rps", values.rps, claimsSchema.shape.rps.unwrap(), Number(values.rps));

  const { secret } = ensureDevVars();
  const token = await signToken(secret, { subject, tenant, caps, ttlSeconds, ...(rps === undefined ? {} : { rps }) });
  process.stdout.write(`${token}\n`);
});
