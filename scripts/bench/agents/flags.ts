// Flag evaluation cost per call inside an action (BENCH_AGENT_FLAGS=1 adds it to the
// agent benchmark; BENCH_AGENT_FLAGS=only runs just this figure, without servers). An
// action pays for `ctx.flags` once per call (the client over the configuration copy the
// call already holds) and then per evaluation; both are pure code, so they are timed
// in-process over the same modules the agent object runs (here on Node, not workerd).
import { flagsOf } from "../../../src/platform/agent/agent-config.ts";
import { configView } from "../../../src/platform/config/reader.ts";
import { configDefaults } from "../../../src/platform/config/schema.ts";

export const AGENT_FLAGS = process.env.BENCH_AGENT_FLAGS ?? "";

export type FlagFigures = { clientUs: number; staticUs: number; targetedUs: number; splitUs: number };

const rules = [
  { when: { tenant: "other" }, variant: "on" },
  { when: { agentType: ["a", "b", "c"] }, variant: "on" },
  { when: { "label.region": "us", plan: "gold" }, variant: "on" },
  { when: { agentType: "counter" }, split: { on: 25, off: 75 } },
];

const perCallUs = (calls: number, fn: () => unknown): number => {
  for (let i = 0; i < 10_000; i++) fn();
  const started = performance.now();
  for (let i = 0; i < calls; i++) fn();
  return ((performance.now() - started) * 1000) / calls;
};

export const flagBench = (calls = 500_000): FlagFigures => {
  const settings = {
    flags: {
      plain: { type: "boolean", variants: { on: true, off: false }, defaultVariant: "on" },
      targeted: { type: "boolean", variants: { on: true, off: false }, defaultVariant: "off", rules },
    },
  };
  const view = configView({ version: 1, settings, updatedAt: 0 }, configDefaults({}));
  const agent = { tenant: "bench", type: "counter", id: "c-1" };
  const config = { view, labels: { region: "eu" } };
  const flags = flagsOf(config, agent);
  return {
    clientUs: perCallUs(calls, () => flagsOf(config, agent)),
    staticUs: perCallUs(calls, () => flags.boolean("plain", false)),
    targetedUs: perCallUs(calls, () => flags.boolean("targeted", false, { agentType: "x" })),
    splitUs: perCallUs(calls, () => flags.boolean("targeted", false)),
  };
};

export const printFlagBench = (): FlagFigures => {
  const figures = flagBench();
  console.log("\n## Flag evaluation inside an action (in-process, per call)");
  console.log(`ctx.flags client: ${figures.clientUs.toFixed(3)} us; static flag: ${figures.staticUs.toFixed(3)} us; ` +
    `4 rules, none matching: ${figures.targetedUs.toFixed(3)} us; percentage split after 3 rules: ${figures.splitUs.toFixed(3)} us`);
  return figures;
};
