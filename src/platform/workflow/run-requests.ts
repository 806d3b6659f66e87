// Why: a request to a run from outside must say what became of it, never answer "fine"
// and do nothing. A participant event is delivered to an await that waits for it,
// buffered for an await that has not opened yet (and that no earlier buffered event
// already claims), or refused with the reason: the run has ended or is winding down, or
// nothing in it awaits that event type from that role. A cancel is refused once the run
// has ended, or is already winding down for another reason.
import { type AwaitNode, isAwait, walkFlow, type WorkflowDefinition } from "./definition.ts";
import { isFinal, type RunState } from "./run-state.ts";

export type Signal = { type: string; role: string | null; data: unknown };

export type SignalFate =
  | { status: "delivered"; await: string }
  | { status: "buffered"; await: string }
  | { status: "refused"; code: "run-ended" | "run-ending" | "not-awaited"; reason: string };

/** An await takes an event of its type, from its role or from no role in particular. */
export const awaitTakes = (node: AwaitNode, event: { type: string; role: string | null }): boolean =>
  node.event === event.type && (event.role === null || event.role === node.role);

const describe = (node: AwaitNode): string => `'${node.await}' takes '${node.event}' from role '${node.role}'`;

export const signalFate = (definition: WorkflowDefinition, state: RunState, event: Signal): SignalFate => {
  if (isFinal(state.status)) {
    return { status: "refused", code: "run-ended", reason: `Run '${state.id}' has ended (${state.status}); it takes no more events.` };
  }
  if (state.failure !== null) {
    return { status: "refused", code: "run-ending", reason: `Run '${state.id}' is ${state.status === "running" ? "failing" : state.status} (${state.failure.type}); it takes no more events.` };
  }
  const awaits = [...walkFlow(definition.flow)].map(({ node }) => node).filter(isAwait);
  const waiting = awaits.find((node) => state.steps[node.await]?.status === "waiting" && awaitTakes(node, event));
  if (waiting) return { status: "delivered", await: waiting.await };

  // Awaits not opened yet, each claimed by the first buffered event it would take.
  const bound = (node: AwaitNode) => (state.bindings[node.role] ?? []).length > 0;
  const unopened = awaits.filter((node) => state.steps[node.await]?.status === "pending" && bound(node));
  const claimed = new Set<string>();
  for (const buffered of state.inbox) {
    const taker = unopened.find((node) => !claimed.has(node.await) && awaitTakes(node, buffered));
    if (taker) claimed.add(taker.await);
  }
  const free = unopened.find((node) => !claimed.has(node.await) && awaitTakes(node, event));
  if (free) return { status: "buffered", await: free.await };

  const open = [...awaits.filter((node) => state.steps[node.await]?.status === "waiting"), ...unopened.filter((node) => !claimed.has(node.await))];
  const from = event.role === null ? "" : ` from role '${event.role}'`;
  const listed = open.length === 0 ? "it awaits no more events" : `it awaits: ${open.map(describe).join("; ")}`;
  return { status: "refused", code: "not-awaited", reason: `Nothing in run '${state.id}' awaits '${event.type}'${from}; ${listed}.` };
};

export type Refusal = { code: "run-ended" | "run-ending"; reason: string };

/** Why a run cannot be cancelled, or null: it can (or it is being cancelled already, which a repeated cancel may see). */
export const cancelRefusal = (state: RunState): Refusal | null => {
  if (isFinal(state.status)) return { code: "run-ended", reason: `Run '${state.id}' has ended (${state.status}); there is nothing to cancel.` };
  if (state.failure !== null && state.failure.outcome !== "cancelled") {
    return { code: "run-ending", reason: `Run '${state.id}' is already ${state.status === "running" ? "failing" : state.status} (${state.failure.type}); it ends on its own.` };
  }
  return null;
};
