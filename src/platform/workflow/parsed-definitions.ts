// Why: every run start hands its coordinator the workflow's definition, and parsing it
// with the full (recursive) schema on every start was a visible share of a run's CPU.
// Definitions are immutable per name@version and the same few arrive over and over, so
// the parsed form is kept in isolate memory by the exact text of what arrived (a
// changed definition is another text, so it is parsed). Bounded; oldest out first.
import { type WorkflowDefinition, workflowDefinitionSchema } from "./definition.ts";
import { parseOrProblem } from "../zod-issues.ts";

const MAX_ENTRIES = 64;
const parsed = new Map<string, WorkflowDefinition>();

/** The definition parsed (errors named under `definition`), from memory when the same text was parsed before. */
export const parseDefinition = (raw: unknown): WorkflowDefinition => {
  const text = JSON.stringify(raw);
  const known = typeof text === "string" ? parsed.get(text) : undefined;
  if (known) return known;
  const definition = parseOrProblem(workflowDefinitionSchema, raw, "definition");
  if (typeof text === "string") {
    parsed.set(text, Object.freeze(definition));
    if (parsed.size > MAX_ENTRIES) parsed.delete(parsed.keys().next().value!);
  }
  return definition;
};
