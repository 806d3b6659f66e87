// One bash process that is given commands one at a time, as a reader types them into a
// terminal: variables and functions set by one command are there for the next. For each
// command it answers its stdout, stderr, exit code, and the HTTP status of every curl call
// it made: `curl` is wrapped in a function that writes `%{http_code}` to stderr (curl's
// `-w '%{stderr}...'`), so a command's output, and what `$(...)` captures, is unchanged.
// A streaming call (`curl -N`) is bounded with `--max-time`, as Ctrl-C would end it.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";

export type Ran = { stdout: string; stderr: string; exitCode: number; statuses: number[] };

export type ShellSession = {
  run(command: string, timeoutMs?: number): Promise<Ran>;
  /** The value of a shell variable ("" when unset). */
  get(name: string): Promise<string>;
  close(): void;
};

/** How long a streaming call (`curl -N`) reads before it is ended. */
export const STREAM_SECONDS = 3;

const STATUS_LINE = /^@@http ([0-9]{3})$/gm;

const CURL_WRAPPER = `curl() {
  local bound=()
  case " $* " in *" -N "*) bound=(--max-time ${STREAM_SECONDS}) ;; esac
  command curl "\${bound[@]}" -w '%{stderr}@@http %{http_code}\\n' "$@"
}`;

export const openShell = async (cwd: string, env: NodeJS.ProcessEnv): Promise<ShellSession> => {
  const { BASH_ENV: _ignored, ...clean } = env;
  const child: ChildProcessWithoutNullStreams = spawn("bash", ["--noprofile", "--norc"], { cwd, env: clean, stdio: "pipe" });
  let stdout = "";
  let stderr = "";
  let exited = false;
  let wake = (): void => {};
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    wake();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    wake();
  });
  child.once("exit", () => {
    exited = true;
    wake();
  });

  const run = async (command: string, timeoutMs = 30_000): Promise<Ran> => {
    if (exited) throw new Error("the shell has exited");
    const marker = `@@done-${randomUUID()}`;
    stdout = "";
    stderr = "";
    // The command's stdin is not this pipe: nothing it runs may read the commands after it.
    child.stdin.write(`{\n${command}\n} </dev/null\n__status=$?; printf '\\n${marker} %s\\n' "$__status"; printf '\\n${marker}\\n' >&2\n`);
    const deadline = Date.now() + timeoutMs;
    const outEnd = new RegExp(`\\n${marker} ([0-9]+)\\n`);
    const errEnd = `\n${marker}\n`;
    while (!(outEnd.test(stdout) && stderr.includes(errEnd))) {
      if (exited) throw new Error(`the shell exited while running:\n${command}\nstdout: ${stdout}\nstderr: ${stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no answer within ${timeoutMs} ms from:\n${command}\nstdout so far: ${stdout}\nstderr so far: ${stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1_000));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const end = outEnd.exec(stdout)!;
    const err = stderr.slice(0, stderr.indexOf(errEnd));
    const statuses = [...err.matchAll(STATUS_LINE)].map((m) => Number(m[1]));
    return { stdout: stdout.slice(0, end.index), stderr: err.replace(STATUS_LINE, "").trim(), exitCode: Number(end[1]), statuses };
  };

  await run(CURL_WRAPPER);
  return {
    run,
    get: async (name) => (await run(`printf '%s' "$${name}"`)).stdout,
    close: () => {
      child.stdin.end();
      if (!exited) child.kill("SIGKILL");
    },
  };
};
