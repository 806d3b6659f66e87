// `defineWorkflow()`: the workflow DSL in TypeScript. It builds the plain JSON
// definition (the same one `POST /v1/workflows` accepts) and validates it when built,
// so a mistake fails at load with the path named. Given a catalog of agent types it
// also runs the checker (roles, actions, compensations, references, names).
import type { FieldError } from "../problem.ts";
import type { AgentCatalog } from "./catalog.ts";
import { checkWorkflow } from "./check.ts";
import { type AwaitNode, type FlowNode, type StepNode, type WorkflowDefinition, type WorkflowDefinitionInput, workflowDefinitionSchema } from "./definition.ts";
import { fieldErrors } from "../zod-issues.ts";

export class WorkflowDefinitionError extends Error {
  readonly errors: FieldError[];
  constructor(name: string, errors: FieldError[]) {
    super(`workflow '${name}': ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`);
    this.name = "WorkflowDefinitionError";
    this.errors = errors;
  }
}

export const step = (name: string, options: Omit<z_StepInput, "step">): StepNode => ({ step: name, input: {}, ...options }) as StepNode;
export const awaitEvent = (name: string, options: Omit<AwaitNode, "await">): AwaitNode => ({ await: name, ...options });
export const parallel = (...branches: (FlowNode | FlowNode[])[]): FlowNode => ({ parallel: branches.map((b) => (Array.isArray(b) ? b : [b])) });
export const conditional = (on: string, cases: { when: unknown; flow: FlowNode[] }[], otherwise?: FlowNode[]): FlowNode => ({
  conditional: { on, cases, ...(otherwise ? { default: otherwise } : {}) },
});

type z_StepInput = Omit<StepNode, "input"> & { input?: Record<string, unknown> };

export const defineWorkflow = (input: WorkflowDefinitionInput, catalog?: AgentCatalog): WorkflowDefinition => {
  const parsed = workflowDefinitionSchema.safeParse(input);
  const label = typeof input.name === "string" ? input.name : "(unnamed)";
  if (!parsed.success) throw new WorkflowDefinitionError(label, fieldErrors(parsed.error.issues));
  if (catalog) {
    const errors = checkWorkflow(parsed.data, catalog);
    if (errors.length > 0) throw new WorkflowDefinitionError(label, errors);
  }
  return parsed.data;
};
