// The configurations the observability overhead benchmark compares, each under its own
// `wrangler dev`: by default everything off (the baseline) and both (issue 14's target:
// metrics on and tracing at the default 10% sampling, exporting to a loopback OTLP
// sink). BENCH_OBS_MODES adds others (comma-separated names), each paired with `off`:
// `metrics` (metrics only), `tracing` (tracing 10% only), `trace0` (an exporter set,
// sample rate 0: the cost of the span machinery with nothing sampled) and `trace1`
// (every trace sampled: the cost of a recorded and exported span).
export type ModeName = "off" | "metrics" | "tracing" | "both" | "trace0" | "trace1" | "before";

/** `config`: the server's wrangler.toml when not this tree's (BENCH_OBS_BEFORE: another checkout's code). */
export type Mode = { name: ModeName; title: string; metrics: boolean; sampleRate: number | null; config?: string };

const ALL: Record<Exclude<ModeName, "before">, Mode> = {
  off: { name: "off", title: "metrics off, tracing off", metrics: false, sampleRate: null },
  metrics: { name: "metrics", title: "metrics on, tracing off", metrics: true, sampleRate: null },
  tracing: { name: "tracing", title: "metrics off, tracing 10%", metrics: false, sampleRate: 0.1 },
  both: { name: "both", title: "metrics on, tracing 10%", metrics: true, sampleRate: 0.1 },
  trace0: { name: "trace0", title: "metrics off, tracing 0%", metrics: false, sampleRate: 0 },
  trace1: { name: "trace1", title: "metrics off, tracing 100%", metrics: false, sampleRate: 1 },
};

export const DEFAULT_MODES: readonly ModeName[] = ["off", "both"];

/** The modes to run: BENCH_OBS_MODES (the baseline `off` always first), else `off` and `both`. */
export const selectedModes = (raw: string | undefined = process.env.BENCH_OBS_MODES): Mode[] => {
  const names = (raw ?? "").split(",").map((name) => name.trim()).filter((name) => name !== "");
  const unknown = names.filter((name) => !(name in ALL));
  if (unknown.length > 0) throw new Error(`BENCH_OBS_MODES: unknown mode(s) ${unknown.join(", ")}; known: ${Object.keys(ALL).join(", ")}`);
  const chosen = names.length === 0 ? DEFAULT_MODES : (["off", ...names.filter((name) => name !== "off")] as ModeName[]);
  const modes = [...new Set(chosen)].filter((name): name is Exclude<ModeName, "before"> => name !== "before").map((name) => ALL[name]);
  // BENCH_OBS_BEFORE=<another checkout's wrangler.toml>: that code, metrics on and tracing
  // at 10%, beside this tree's, so a change's before and after are measured in one run.
  const before = process.env.BENCH_OBS_BEFORE;
  return before ? [...modes, { name: "before", title: `metrics on, tracing 10%, code of ${before}`, metrics: true, sampleRate: 0.1, config: before }] : modes;
};

/** The `--var`s of a mode's server (on top of the platform's bench vars); tracing exports to `sinkUrl`. */
export const modeVars = (mode: Mode, sinkUrl: string): Record<string, string> => ({
  JIDO_METRICS: mode.metrics ? "on" : "off",
  ...(mode.sampleRate === null ? {} : { JIDO_OTLP_ENDPOINT: sinkUrl, JIDO_TRACE_SAMPLE_RATE: String(mode.sampleRate) }),
});
