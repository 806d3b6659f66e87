// The two systems a comparative benchmark measures side by side: the platform and the
// bare Durable Object baseline (fixtures/bare), each under its own `wrangler dev`. How
// both are started (inside the benchmark's session), how a client of either
// authenticates, and the alternating order (A B, B A, ...) that lets both see the same
// machine conditions.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PLATFORM_CONFIG } from "./env.ts";
import { bareHeaders, type Client, createClient } from "./http.ts";
import { platformHeaders, platformServerVars, platformToken } from "./platform-auth.ts";
import { type BenchServer, startBenchServer } from "./servers.ts";
import { runSession, type SessionDirs } from "./session.ts";
import { fmt } from "./stats.ts";

export type SideName = "platform" | "bare";

export const BARE_CONFIG = fileURLToPath(new URL("../fixtures/bare/wrangler.toml", import.meta.url));

/** A client of one side's server: the platform's with the bench token (platform-auth.ts), the bare one's without auth. */
export const sideClient = async (name: SideName, server: BenchServer, maxSockets: number): Promise<Client> => {
  const token = name === "platform" ? await platformToken(server) : undefined;
  const headers = name === "platform" ? () => platformHeaders(token) : bareHeaders;
  return createClient({ name, host: server.host, port: server.port, headers, maxSockets });
};

/**
 * A comparative benchmark's session (session.ts) with both sides in it: prints the
 * `intro` lines, starts the platform's server, then the bare one, each persisting under
 * the session's state directory, makes a side of each, and runs `body` on the pair
 * (platform, bare). The clients of the sides made so far are closed at the end, however
 * it comes (a side's `client` may have been replaced meanwhile: the current one is closed).
 */
export const withSides = async <S extends { client: Client }, T>(
  prefixes: { state: string; logs: string },
  intro: (dirs: SessionDirs) => string[],
  makeSide: (name: SideName, server: BenchServer) => Promise<S>,
  body: (sides: readonly [S, S]) => Promise<T>,
): Promise<T> => {
  const made: S[] = [];
  const closeClients = () => {
    for (const side of made) side.client.close();
  };
  return runSession(prefixes, closeClients, async (dirs) => {
    for (const line of intro(dirs)) console.log(line);
    const startedAt = performance.now();
    for (const [name, config] of [["platform", PLATFORM_CONFIG], ["bare", BARE_CONFIG]] as const) {
      const persistTo = join(dirs.stateDir, name);
      mkdirSync(persistTo);
      const vars = name === "platform" ? platformServerVars() : {};
      const server = await startBenchServer({ name, persistTo, logFile: join(dirs.logDir, `${name}.log`), vars, ...(config ? { config } : {}) });
      console.log(`${name}: wrangler dev pid ${server.pid} at ${server.url}, config ${config ?? "wrangler.toml"} (log ${server.logFile})`);
      made.push(await makeSide(name, server));
    }
    console.log(`servers ready in ${fmt((performance.now() - startedAt) / 1000, 1)}s`);
    return body(made as unknown as readonly [S, S]);
  });
};

/** Pairs (A, B) in alternating order: round 0 A then B, round 1 B then A, ... */
export const alternating = <T>(pair: readonly [T, T], round: number): readonly [T, T] => (round % 2 === 0 ? pair : [pair[1], pair[0]]);
