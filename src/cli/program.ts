// The `jido` command tree: global options (where the platform is, the token, --json)
// and one command group per file. Commander's errors are thrown rather than exiting
// (exitOverride), so main.ts maps every outcome to one exit code.
import { Command } from "commander";
import { agentsCommand } from "./agents.ts";
import { benchCommand } from "./bench.ts";
import { eventsCommand } from "./events.ts";
import { runsCommand } from "./runs.ts";
import { subsCommand } from "./subs.ts";
import { tokenCommand } from "./token.ts";
import { workflowsCommand } from "./workflows.ts";

const HELP_AFTER = `
Where and as whom (first found wins):
  --url / --token                  flags
  --profile <name>, $JIDO_PROFILE  a profile of the profile file
  $JIDO_URL, $JIDO_TOKEN           the environment
  the profile file's default       "default": <name>, or a profile called "default"
  http://127.0.0.1:8787            the URL of \`npm start\`
The profile file is $JIDO_PROFILES, else $XDG_CONFIG_HOME/jido/profiles.json
(~/.config/jido/profiles.json):
  {"default": "local", "profiles": {"local": {"url": "http://127.0.0.1:8787", "token": "..."}}}

Output: tables for people; --json prints the API's JSON (one line) for scripts.
Exit codes: 0 success; 1 a request failed (the problem's title and detail on stderr),
or a run ended other than completed; 2 a usage error.

Examples:
  export JIDO_TOKEN=$(npx jido token)
  npx jido agents spawn counter c1
  npx jido agents call c1 increment '{"by":2}'
  npx jido workflows run order_processing '{"order_id":"o-1","amount":42,"items":2,"payment":"succeed"}' --wait
`;

export const buildProgram = (): Command => {
  const program = new Command("jido")
    .description("The JidoSystem command-line tool: agents, events, subscriptions, workflows and runs over the platform's HTTP API.")
    .option("--url <url>", "the platform's URL (default $JIDO_URL, a profile, or http://127.0.0.1:8787)")
    .option("--token <token>", "the bearer token (default $JIDO_TOKEN or a profile)")
    .option("--profile <name>", "use this profile of the profile file (default $JIDO_PROFILE)")
    .option("--json", "print JSON for scripts instead of tables")
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText("after", HELP_AFTER);
  // Subcommands made with .command() inherit exitOverride and the help settings.
  agentsCommand(program.command("agents"));
  eventsCommand(program.command("events"));
  subsCommand(program.command("subs"));
  workflowsCommand(program.command("workflows"));
  runsCommand(program.command("runs"));
  tokenCommand(program.command("token"));
  benchCommand(program.command("bench"));
  return program;
};
