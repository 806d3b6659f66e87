// Why: a run's step records are stored one row per step, and most of a new run's steps
// are as the run left them at its start (pending, never attempted). Storing those rows
// at the start only for the next transitions to write them over cost a run one row
// write per step it did not start yet; a step has no row until it first changes, and
// loading fills the missing ones from the definition. Runs stored before hold every row.
import { isStep, walkFlow, nodeName, type WorkflowDefinition } from "./definition.ts";
import { newStepRecord, type StepRecord } from "./run-state.ts";

/** Whether a record is as a new run leaves it (pending, never attempted): such a record needs no row. */
export const isBlankStep = (record: StepRecord): boolean => {
  const blank = newStepRecord(record.name, record.kind);
  return (Object.keys(blank) as (keyof StepRecord)[]).every((field) => record[field] === blank[field]) && Object.keys(record).length === Object.keys(blank).length;
};

/** The run's step records: every step of the definition in flow order, the stored record or a blank one; a stored record the definition does not name is kept after them. */
export const withBlankSteps = (definition: WorkflowDefinition, stored: Record<string, StepRecord>): Record<string, StepRecord> => {
  const steps: Record<string, StepRecord> = {};
  for (const { node } of walkFlow(definition.flow)) {
    const name = nodeName(node);
    steps[name] = stored[name] ?? newStepRecord(name, isStep(node) ? "step" : "await");
  }
  for (const [name, record] of Object.entries(stored)) if (!Object.hasOwn(steps, name)) steps[name] = record;
  return steps;
};
