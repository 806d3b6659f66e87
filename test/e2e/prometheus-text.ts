// Checking a /v1/metrics scrape in end-to-end tests, two independent ways: Prometheus'
// own linter (`promtool check metrics`, when installed: CI installs it) and a reading of
// the text format written here, not by the platform's renderer, that fails on any line it
// cannot place. Shared by the observability test and the README test's final scrape.
import { spawnSync } from "node:child_process";

/** promtool's path, or "" when it is not installed (tests that need it skip, saying so). */
export const PROMTOOL = spawnSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" }).stdout.trim();

/** `promtool check metrics` of `text`: what it printed (nothing when the scrape is clean) and its exit status. */
export const promtoolCheck = (text: string): { output: string; status: number | null } => {
  const lint = spawnSync(PROMTOOL, ["check", "metrics"], { input: text, encoding: "utf8" });
  return { output: `${lint.stdout}${lint.stderr}`, status: lint.status };
};

export type Series = { name: string; labels: Record<string, string>; value: number };

/** An independent reading of the text format: families from TYPE lines, samples checked against them. */
export const parseExposition = (text: string): { types: Map<string, string>; series: Series[] } => {
  const types = new Map<string, string>();
  const series: Series[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith("# HELP ")) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\})? (-?[0-9.e+-]+|\+Inf|-Inf|NaN)$/.exec(line);
    if (!sample) throw new Error(`unparsable line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (sample[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    const name = sample[1]!;
    const family = [name, name.replace(/_(bucket|sum|count)$/, "")].find((n) => types.has(n));
    if (!family) throw new Error(`sample of no declared family: ${line}`);
    series.push({ name, labels, value: Number(sample[3]!.replace("+Inf", "Infinity")) });
  }
  return { types, series };
};

/** The sum of the samples of `name` whose labels include `labels`. */
export const sum = (series: Series[], name: string, labels: Record<string, string> = {}) =>
  series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((t, s) => t + s.value, 0);
