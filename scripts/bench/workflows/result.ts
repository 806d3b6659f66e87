// What the workflow benchmark measured, shared by the run and its summary table.
import type { ManyFigures } from "./many.ts";
import type { OverheadFigures } from "./overhead.ts";
import type { ThroughputFigures } from "./throughput.ts";

export type WorkflowBenchResult = { throughput: ThroughputFigures; overhead: OverheadFigures; many: ManyFigures };
