// Evaluating the flow: walks sequences, parallel branches and conditionals over the run's
// step records, dispatching what is ready (steps started, awaits opened, branches chosen
// once and the others skipped) and saying whether the flow is done, active or failed.
import { type FlowNode, isAwait, isStep, walkFlow, nodeName } from "./definition.ts";
import { jsonEqual, resolveReference } from "./references.ts";
import { contextOf, emit, openAwait, setStep, startStep, type Work } from "./run-work.ts";

export type Progress = "done" | "active" | "failed";

const skipAll = (work: Work, flow: readonly FlowNode[], reason: string): void => {
  for (const { node } of walkFlow(flow)) {
    const name = nodeName(node);
    if (work.state.steps[name]?.status === "pending") {
      setStep(work, name, { status: "skipped", finishedAt: work.now });
      emit(work, "workflow.step.skipped", { step: name, reason });
    }
  }
};

export const evalSequence = (work: Work, flow: readonly FlowNode[], path: string, dispatch: boolean): Progress => {
  for (const [index, node] of flow.entries()) {
    const progress = evalNode(work, node, `${path}.${index}`, dispatch);
    if (progress !== "done") return progress;
  }
  return "done";
};

const evalNode = (work: Work, node: FlowNode, path: string, dispatch: boolean): Progress => {
  if (isStep(node) || isAwait(node)) {
    const record = work.state.steps[nodeName(node)]!;
    if (record.status === "completed" || record.status === "skipped") return "done";
    if (record.status === "failed" || record.status === "timed_out" || record.status === "cancelled") return "failed";
    if (record.status === "pending" && dispatch) {
      if (isStep(node)) startStep(work, node);
      else openAwait(work, node);
      const after = work.state.steps[nodeName(node)]!.status;
      return after === "completed" || after === "skipped" ? "done" : "active";
    }
    return "active";
  }
  if ("parallel" in node) {
    const branches = node.parallel.map((branch, b) => evalSequence(work, branch, `${path}.parallel.${b}`, dispatch));
    if (branches.includes("failed")) return "failed";
    return branches.every((p) => p === "done") ? "done" : "active";
  }
  const { conditional } = node;
  let choice = work.state.choices[path];
  if (choice === undefined) {
    if (!dispatch) return "active";
    const value = resolveReference(conditional.on, contextOf(work.state));
    const found = conditional.cases.findIndex((c) => jsonEqual(c.when, value));
    choice = found >= 0 ? found : conditional.default ? -1 : -2;
    work.state = { ...work.state, choices: { ...work.state.choices, [path]: choice } };
    emit(work, "workflow.branch.chosen", { on: conditional.on, value: value ?? null, case: choice });
    conditional.cases.forEach((c, i) => i !== choice && skipAll(work, c.flow, "branch not taken"));
    if (choice !== -1 && conditional.default) skipAll(work, conditional.default, "branch not taken");
  }
  const chosen = choice >= 0 ? conditional.cases[choice]!.flow : choice === -1 ? (conditional.default ?? []) : [];
  return evalSequence(work, chosen, `${path}.${choice}`, dispatch);
};
