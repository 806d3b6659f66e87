// What the event benchmark measured, shared by the run and its summary table.
import type { SideName } from "../lib/sides.ts";
import type { LatencyFigures } from "./latency.ts";
import type { PatternFigures } from "./pattern-cost.ts";
import type { PublishFigures } from "./publish.ts";
import type { ReplayFigures } from "./replay.ts";

export type EventBenchResult = {
  publish: Record<string, Record<SideName, PublishFigures>>;
  latency: LatencyFigures;
  replay: Record<SideName, ReplayFigures>;
  patterns: PatternFigures;
};
