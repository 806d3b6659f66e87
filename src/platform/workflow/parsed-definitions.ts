// Why: every run start hands its coordinator the workflow's definition, and parsing it
// with the full (recursive) schema on every start was a visible share of a run's CPU.
// Definitions are immutable per name@version and the same few arrive over and over, so
// the parsed form is kept in isolate memory by the exact text of what arrived (a
// changed definition is another text, so it is parsed). Bounded; oldest out first.
// The parsed form's own JSON text is kept beside it (written with every run), so storing
// a run does not serialize the same definition again.
import { type WorkflowDefinition, workflowDefinitionSchema } from "./definition.ts";
import { parseOrProblem } from "../zod-issues.ts";
import { deepFreeze } from "../deep-freeze.ts";

const MAX_ENTRIES = 64;
const parsed = new Map<string, WorkflowDefinition>();
/** The JSON text of each definition kept above (deeply frozen, so the text stays true). */
const texts = new WeakMap<WorkflowDefinition, string>();

/** `JSON.stringify(definition)`, from memory for a definition parseDefinition keeps. */
export const definitionJson = (definition: WorkflowDefinition): string => texts.get(definition) ?? JSON.stringify(definition);

/** The definition parsed (errors named under `definition`), from memory when the same text was parsed before. */
export const parseDefinition = (raw: unknown): WorkflowDefinition => {
  const text = JSON.stringify(raw);
  const known = typeof text === "string" ? parsed.get(text) : undefined;
  if (known) return known;
  const definition = parseOrProblem(workflowDefinitionSchema, raw, "definition");
  if (typeof text === "string") {
    parsed.set(text, deepFreeze(definition));
    texts.set(definition, JSON.stringify(definition));
    if (parsed.size > MAX_ENTRIES) parsed.delete(parsed.keys().next().value!);
  }
  return definition;
};
