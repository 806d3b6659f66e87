// What the workflow benchmark measured, shared by the run and its summary table.
import type { ManyFigures } from "./many.ts";
import type { ModeFigures } from "./modes.ts";
import type { OverheadFigures } from "./overhead.ts";
import type { ThroughputFigures } from "./throughput.ts";

export type WorkflowBenchResult = { modes: ModeFigures[]; throughput: ThroughputFigures; overhead: OverheadFigures; many: ManyFigures };
