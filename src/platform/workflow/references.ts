// Resolving a step's input template against the run's context: strings of the form
// `$.input.a.b` or `$.steps.<step>.output.x` are replaced by the value they name
// (undefined when absent); everything else is kept as written. The resolver itself is
// shared with subscription inputs (../json-template.ts).
import { resolveReference as resolveIn, resolveTemplate as resolveAllIn } from "../json-template.ts";

export type RunContext = { input: Record<string, unknown>; steps: Record<string, { output: unknown }> };

export const resolveReference = (reference: string, context: RunContext): unknown => resolveIn(reference, context);

export const resolveTemplate = (template: unknown, context: RunContext): unknown => resolveAllIn(template, context);

/** Structural equality of JSON values, for conditional cases. */
export const jsonEqual = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
