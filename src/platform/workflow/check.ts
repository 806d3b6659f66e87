// The checker that runs on every definition before it is registered: it rejects, naming
// the path, unknown roles, actions the role's agent type does not have, compensations
// that do not exist, references to input fields or step outputs that do not exist (or
// have not run yet at that point), duplicate step names, and a step retry in the old
// form (`retry: {max_attempts}`, which counted attempts): `retry: n` now means n retries
// after the first attempt, on a step as in `error_handling.on_error`.
import type { FieldError } from "../problem.ts";
import { type AgentCatalog, typesFor } from "./catalog.ts";
import { type FlowNode, isAwait, isStep, REFERENCE, type WorkflowDefinition } from "./definition.ts";

type Scope = { steps: Set<string> };

const legacyRetryMessage = ({ max_attempts, backoff_ms }: { max_attempts: number; backoff_ms: number }): string => {
  const instead = max_attempts > 1 ? `write "retry": ${max_attempts - 1}, "backoff_ms": ${backoff_ms} for ${max_attempts} attempts in all` : "omit it for 1 attempt";
  return `retry counts retries after the first attempt, as in error_handling.on_error; max_attempts is no longer accepted: ${instead}`;
};

export const checkWorkflow = (definition: WorkflowDefinition, catalog: AgentCatalog): FieldError[] => {
  const errors: FieldError[] = [];
  const seen = new Map<string, string>();
  const declaredInput = new Set(definition.input.required);
  const stepRole = new Map<string, string>();

  const typesOfRole = (role: string) => {
    const participant = definition.participants[role];
    return participant ? typesFor(participant, catalog) : [];
  };

  for (const [role, participant] of Object.entries(definition.participants)) {
    if (!participant.optional && typesFor(participant, catalog).length === 0) {
      errors.push({ path: `participants.${role}`, message: participant.type ? `agent type '${participant.type}' is not deployed` : "no deployed agent type has these capabilities" });
    }
  }

  const checkAction = (path: string, role: string, action: string, what: string): void => {
    if (!Object.hasOwn(definition.participants, role)) {
      errors.push({ path: `${path}.role`, message: `unknown role '${role}'` });
      return;
    }
    for (const type of typesOfRole(role)) {
      if (!type.actions.has(action)) errors.push({ path: `${path}.${what}`, message: `agent type '${type.name}' (role '${role}') has no action '${action}'` });
    }
  };

  const checkReference = (path: string, value: unknown, scope: Scope): void => {
    if (typeof value === "string" && value.startsWith("$.")) {
      if (!REFERENCE.test(value)) {
        errors.push({ path, message: `'${value}' is not a reference of the form $.input.<field> or $.steps.<step>.output.<field>` });
        return;
      }
      const [, root, first, second, third] = value.split(".");
      if (root === "input") {
        if (first !== undefined && !declaredInput.has(first)) errors.push({ path, message: `'${value}' names input field '${first}', which input.required does not declare` });
        return;
      }
      if (first === undefined || !seen.has(first)) {
        errors.push({ path, message: `'${value}' names step '${first ?? ""}', which does not exist` });
      } else if (!scope.steps.has(first)) {
        errors.push({ path, message: `'${value}' names step '${first}', which has not run at this point of the flow` });
      } else if (second !== undefined && second !== "output") {
        errors.push({ path, message: `'${value}' must continue with .output` });
      } else if (third !== undefined) {
        const role = stepRole.get(first);
        const fields = role === undefined ? [] : typesOfRole(role).map((type) => type.actions.get(actionOf(first)) ?? null);
        if (fields.some((list) => list !== null && !list.includes(third))) {
          errors.push({ path, message: `'${value}': the output of step '${first}' has no field '${third}'` });
        }
      }
      return;
    }
    if (Array.isArray(value)) value.forEach((item, i) => checkReference(`${path}.${i}`, item, scope));
    else if (typeof value === "object" && value !== null) for (const [key, item] of Object.entries(value)) checkReference(`${path}.${key}`, item, scope);
  };

  const actions = new Map<string, string>();
  const actionOf = (step: string): string => actions.get(step) ?? "";

  // First pass: names (so references can tell "missing" from "later").
  const collect = (flow: readonly FlowNode[], path: string): void => {
    flow.forEach((node, i) => {
      const at = `${path}.${i}`;
      if (isStep(node) || isAwait(node)) {
        const name = isStep(node) ? node.step : node.await;
        if (seen.has(name)) errors.push({ path: `${at}.${isStep(node) ? "step" : "await"}`, message: `duplicate step name '${name}' (first at ${seen.get(name)})` });
        else seen.set(name, at);
        stepRole.set(name, node.role);
        if (isStep(node)) actions.set(name, node.action);
      } else if ("parallel" in node) node.parallel.forEach((branch, b) => collect(branch, `${at}.parallel.${b}`));
      else {
        node.conditional.cases.forEach((c, k) => collect(c.flow, `${at}.conditional.cases.${k}.flow`));
        if (node.conditional.default) collect(node.conditional.default, `${at}.conditional.default`);
      }
    });
  };
  collect(definition.flow, "flow");

  // Second pass: roles, actions and references, with the steps that have run so far.
  const visit = (flow: readonly FlowNode[], path: string, scope: Scope): Scope => {
    let current = scope;
    flow.forEach((node, i) => {
      const at = `${path}.${i}`;
      if (isStep(node)) {
        checkAction(at, node.role, node.action, "action");
        if (node.compensation) checkAction(at, node.role, node.compensation, "compensation");
        if (typeof node.retry === "object") errors.push({ path: `${at}.retry`, message: legacyRetryMessage(node.retry) });
        checkReference(`${at}.input`, node.input, current);
        current = { steps: new Set([...current.steps, node.step]) };
      } else if (isAwait(node)) {
        if (!Object.hasOwn(definition.participants, node.role)) errors.push({ path: `${at}.role`, message: `unknown role '${node.role}'` });
        current = { steps: new Set([...current.steps, node.await]) };
      } else if ("parallel" in node) {
        const after = node.parallel.map((branch, b) => visit(branch, `${at}.parallel.${b}`, current));
        current = { steps: new Set(after.flatMap((s) => [...s.steps])) };
      } else {
        checkReference(`${at}.conditional.on`, node.conditional.on, current);
        const branches = [...node.conditional.cases.map((c, k) => visit(c.flow, `${at}.conditional.cases.${k}.flow`, current))];
        if (node.conditional.default) branches.push(visit(node.conditional.default, `${at}.conditional.default`, current));
        current = { steps: new Set([...current.steps, ...branches.flatMap((s) => [...s.steps])]) };
      }
    });
    return current;
  };
  visit(definition.flow, "flow", { steps: new Set() });

  const onTimeout = definition.error_handling.on_timeout;
  if (onTimeout) {
    checkAction("error_handling.on_timeout", onTimeout.role, onTimeout.action, "action");
    // It may run at any point of the flow, so any step may be named (its output may be absent).
    checkReference("error_handling.on_timeout.input", onTimeout.input, { steps: new Set(seen.keys()) });
  }
  return errors;
};
