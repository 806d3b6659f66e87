// `jido token`: mints a local development token, as `npm run token` does: HS256 with the
// secret in .dev.vars (or the file $JIDO_DEV_VARS names; created when missing), each
// value checked with the platform's own claim rules. Nothing is sent anywhere.
import { type Command, InvalidArgumentError } from "commander";
import type { z } from "zod";
import { ensureDevVars } from "./local-secret.ts";
import { idSchema } from "../platform/ids.ts";
import { claimsSchema, type TokenCapability, tokenCapabilitySchema } from "../platform/security/claims.ts";
import { signToken } from "../platform/security/tokens.ts";
import { fieldErrors } from "../platform/zod-issues.ts";
import { contextOf } from "./context.ts";
import { emit } from "./output.ts";
import { positiveInt } from "./parse.ts";

const DEFAULT_TTL = 30 * 24 * 3600;

/** `schema.parse` whose failure is a usage error naming the value. */
const checked = <T extends z.ZodType>(raw: string, schema: T, value: unknown = raw): z.output<T> => {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InvalidArgumentError(fieldErrors(parsed.error.issues).map((e) => (e.path === "(root)" ? e.message : `${e.path}: ${e.message}`)).join("; "));
};

const capability = (raw: string, previous: TokenCapability[] = []): TokenCapability[] => {
  if (!raw.trimStart().startsWith("{")) return [...previous, checked(raw, tokenCapabilitySchema)];
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new InvalidArgumentError('not valid JSON (a grant is {"name": ..., "constraints": {...}})');
  }
  return [...previous, checked(raw, tokenCapabilitySchema, json)];
};

type TokenOptions = { tenant: string; cap?: TokenCapability[]; sub?: string; ttl: number; rps?: number };

export const tokenCommand = (token: Command): void => {
  token
    .description("mint a local development token (signed with the secret in .dev.vars, or $JIDO_DEV_VARS)")
    .option("--tenant <id>", "the tenant the token acts in", (raw) => checked(raw, idSchema), "local")
    .option("--cap <cap>", "a capability, repeatable (default admin): a name such as 'agents:call:counter.*', or a grant as JSON", capability)
    .option("--sub <subject>", "the token's subject (default <tenant>-admin, or <tenant>-user with --cap)", (raw) => checked(raw, claimsSchema.shape.sub))
    .option("--ttl <seconds>", "lifetime in seconds", positiveInt, DEFAULT_TTL)
    .option("--rps <n>", "requests per second allowed to this token", (raw) => checked(raw, claimsSchema.shape.rps.unwrap(), Number(raw)))
    .action(async (options: TokenOptions, command: Command) => {
      const ctx = contextOf(command);
      const caps = options.cap ?? ["admin"];
      const subject = options.sub ?? `${options.tenant}-${options.cap ? "user" : "admin"}`;
      const { secret } = ensureDevVars();
      const signed = await signToken(secret, {
        subject,
        tenant: options.tenant,
        caps,
        ttlSeconds: options.ttl,
        ...(options.rps === undefined ? {} : { rps: options.rps }),
      });
      emit(ctx.json, { token: signed, tenant: options.tenant, subject, caps, expiresIn: options.ttl }, (t) => `${t.token}\n`);
    });
};
