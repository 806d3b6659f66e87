// What every command gets from the global options: whether to print JSON, whether to
// draw progress bars (a TTY, never with --json), and a typed client for the platform
// the flags, profile or environment name (see profile.ts).
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { createClient, type JidoClient } from "../client/index.ts";
import { type Connection, parseProfiles, resolveConnection } from "./profile.ts";

export type GlobalOptions = { url?: string; token?: string; profile?: string; json?: boolean };

/** The profile file: $JIDO_PROFILES, else $XDG_CONFIG_HOME/jido/profiles.json (~/.config by default). */
export const profilesPath = (): string =>
  process.env.JIDO_PROFILES ?? join(process.env.XDG_CONFIG_HOME || join(homedir(), ".config"), "jido", "profiles.json");

export type Context = { json: boolean; progress: boolean; connection: () => Connection; client: () => JidoClient };

export const contextOf = (command: Command): Context => {
  const options = command.optsWithGlobals<GlobalOptions>();
  const json = options.json === true;
  const connection = (): Connection => {
    const path = profilesPath();
    const file = existsSync(path) ? parseProfiles(readFileSync(path, "utf8"), path) : undefined;
    const { JIDO_URL, JIDO_TOKEN, JIDO_PROFILE } = process.env;
    return resolveConnection({ flags: options, env: { JIDO_URL, JIDO_TOKEN, JIDO_PROFILE }, file, path });
  };
  return {
    json,
    progress: !json && process.stdout.isTTY === true,
    connection,
    client: () => {
      const { url, token } = connection();
      return createClient({ baseUrl: url, ...(token ? { token } : {}) });
    },
  };
};
