// Command-line handling shared by the scripts, on Node's own `util.parseArgs`: `--help`
// prints the usage on stdout and exits 0; a usage mistake (unknown flag, missing or bad
// value) prints one line naming it on stderr and exits 2, never a stack trace.
import { type ParseArgsConfig, parseArgs } from "node:util";

export const EXIT_USAGE = 2;

/** A mistake in the command line; `runCli` turns it into exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

const isParseArgsError = (error: unknown): error is Error & { code: string } =>
  error instanceof Error && "code" in error && typeof error.code === "string" && error.code.startsWith("ERR_PARSE_ARGS_");

/** `parseArgs` (strict) over `config.args` or the script's arguments, with `--help`/`-h` built in. */
export const parseCommandLine = <T extends Omit<ParseArgsConfig, "strict">>(usage: string, config: T) => {
  const options = { ...config.options, help: { type: "boolean", short: "h" } } as const;
  let parsed: ReturnType<typeof parseArgs<T & { strict: true }>>;
  try {
    parsed = parseArgs({ ...config, options, args: config.args ?? process.argv.slice(2), strict: true }) as typeof parsed;
  } catch (error) {
    if (isParseArgsError(error)) throw new UsageError(error.message);
    throw error;
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(usage.endsWith("\n") ? usage : `${usage}\n`);
    process.exit(0);
  }
  return parsed;
};

/** Runs a script's main function; usage errors exit 2 with their message alone. */
export const runCli = async (main: () => Promise<void> | void): Promise<void> => {
  try {
    await main();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error: ${error.message}\nRun with --help for usage.\n`);
    process.exit(EXIT_USAGE);
  }
};
