// Where the CLI sends its requests and with which token: flags, a named profile, the
// environment (JIDO_URL, JIDO_TOKEN), the profile file's default, in that order. Pure:
// the caller reads the file (profiles.json) and hands its text in.
import { z } from "zod";
import { fieldErrors } from "../platform/zod-issues.ts";

export const DEFAULT_URL = "http://127.0.0.1:8787";

const profileSchema = z.strictObject({ url: z.url({ protocol: /^https?$/ }).optional(), token: z.string().min(1).optional() });
const profilesFileSchema = z.strictObject({
  /** The profile used when none is named (else one called "default", if any). */
  default: z.string().min(1).optional(),
  profiles: z.record(z.string().min(1), profileSchema),
});

export type Profile = z.output<typeof profileSchema>;
export type ProfilesFile = z.output<typeof profilesFileSchema>;
export type Connection = { url: string; token: string | undefined; profile: string | undefined };

/** A mistake in the flags, the environment or the profile file: exit 2, naming it. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Parses the profile file's text; a mistake names the file and the field. */
export const parseProfiles = (text: string, path: string): ProfilesFile => {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UsageError(`${path}: not valid JSON`);
  }
  const parsed = profilesFileSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new UsageError(`${path}: ${fieldErrors(parsed.error.issues).map((e) => `${e.path}: ${e.message}`).join("; ")}`);
};

export type ConnectionSources = {
  flags: { url?: string; token?: string; profile?: string };
  env: { JIDO_URL?: string; JIDO_TOKEN?: string; JIDO_PROFILE?: string };
  /** The profile file, when there is one. */
  file: ProfilesFile | undefined;
  /** Where the file is (or would be), for messages. */
  path: string;
};

/**
 * The URL and token to use: `--url`/`--token`; then the profile named by `--profile` or
 * JIDO_PROFILE; then JIDO_URL/JIDO_TOKEN; then the file's default profile; the URL
 * defaults to the local platform. A named profile the file lacks is a usage error.
 */
export const resolveConnection = ({ flags, env, file, path }: ConnectionSources): Connection => {
  const named = flags.profile ?? (env.JIDO_PROFILE || undefined);
  let chosen: Profile = {};
  let fallback: Profile = {};
  let profile: string | undefined;
  if (named !== undefined) {
    const found = file?.profiles[named];
    if (!found) {
      const known = Object.keys(file?.profiles ?? {});
      throw new UsageError(`profile '${named}' is not in ${path}${known.length ? ` (it has: ${known.join(", ")})` : file ? " (it has none)" : " (no such file)"}`);
    }
    chosen = found;
    profile = named;
  } else if (file) {
    const name = file.default ?? "default";
    const found = file.profiles[name];
    if (file.default !== undefined && !found) throw new UsageError(`${path}: default names profile '${file.default}', which it does not have`);
    if (found) {
      fallback = found;
      if (!env.JIDO_URL || !env.JIDO_TOKEN) profile = name;
    }
  }
  const url = flags.url ?? chosen.url ?? (env.JIDO_URL || undefined) ?? fallback.url ?? DEFAULT_URL;
  const token = flags.token ?? chosen.token ?? (env.JIDO_TOKEN || undefined) ?? fallback.token;
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new UsageError(`the platform's URL '${url}' is not an http(s) URL`);
  return { url: url.replace(/\/+$/, ""), token, profile };
};
