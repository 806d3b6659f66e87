// The `jido` entry (bin/jido.mjs imports it): runs the command line and turns the
// outcome into the exit code: 0 success, 1 a failed request (its problem on stderr) or a
// failed outcome, 2 a usage error. No stack traces, unless JIDO_DEBUG is set.
import { CommanderError } from "commander";
import { JidoApiError } from "../client/index.ts";
import { Failure } from "./failure.ts";
import { problemText } from "./output.ts";
import { UsageError } from "./profile.ts";
import { buildProgram } from "./program.ts";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const HELP_SHOWN = new Set(["commander.helpDisplayed", "commander.version"]);

/** Writes what went wrong to stderr and answers the exit code. */
const report = (error: unknown): number => {
  if (process.env.JIDO_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  // Commander has already printed its message (or the help).
  if (error instanceof CommanderError) return HELP_SHOWN.has(error.code) ? EXIT_OK : EXIT_USAGE;
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${error.message}\n(run with --help for usage)\n`);
    return EXIT_USAGE;
  }
  if (error instanceof JidoApiError) {
    process.stderr.write(problemText(error.problem));
    return EXIT_FAILED;
  }
  if (error instanceof Failure) {
    process.stderr.write(`error: ${error.message}\n`);
    return EXIT_FAILED;
  }
  // fetch's own failure (connection refused, DNS): the reason is its cause.
  if (error instanceof TypeError && error.message === "fetch failed") {
    const cause = error.cause instanceof Error ? error.cause.message : String(error.cause ?? "");
    process.stderr.write(`error: cannot reach the platform${cause ? `: ${cause}` : ""}\n`);
    return EXIT_FAILED;
  }
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT_FAILED;
};

try {
  await buildProgram().parseAsync(process.argv);
  process.exitCode = EXIT_OK;
} catch (error) {
  process.exitCode = report(error);
}
