// Streams the platform alone writes: the audit trail of denials, workflow transitions
// (`workflow.<k>`, one stream per run shard, src/platform/workflow/run-shards.ts; and
// `workflow`, where they went before runs were sharded), configuration changes
// (`config.changed`), and dead letters. Publishers cannot append to them, and agents cannot emit into them,
// so nothing there can be forged; and their retention comes from the deployment alone,
// so no token (not even an admin's) can erase them.
import { problem, type ProblemError } from "../problem.ts";
import { AUDIT_STREAM } from "../security/audit.ts";
import { defaultStream } from "./cloud-event.ts";
import { CONFIG_STREAM } from "../config/changed-event.ts";

export const WORKFLOW_STREAM = "workflow";

/** The stream of run shard k's transition events. */
export const workflowShardStream = (shard: number): string => `${WORKFLOW_STREAM}.${shard}`;

/** `workflow` and every `workflow.*` stream: run transitions, whichever shard. */
export const isWorkflowStream = (stream: string): boolean => stream === WORKFLOW_STREAM || stream.startsWith(`${WORKFLOW_STREAM}.`);

/**
 * Whether a subscription naming stream `named` takes the events of `stream`: its own, and
 * for `workflow` every run shard's `workflow.<k>` too, so a subscription made before runs
 * were sharded still receives every transition.
 */
export const streamCovers = (named: string, stream: string): boolean => named === stream || (named === WORKFLOW_STREAM && isWorkflowStream(stream));

export const isReservedStream = (stream: string): boolean => stream === AUDIT_STREAM || isWorkflowStream(stream) || stream === CONFIG_STREAM || stream.startsWith("dlq.");

/** Whether an agent's event of this type would land in a reserved stream (agents' events go to their type's stream). */
export const isReservedEventType = (type: string): boolean => isReservedStream(defaultStream(type));

/** Why a retention change of `stream` through the API is refused, or null when it is not. */
export const retentionRefusal = (stream: string): { reason: string; problem: ProblemError } | null => {
  if (!isReservedStream(stream)) return null;
  const reason = "a platform stream takes retention only from the deployment's configuration, never through the API";
  const detail = `Stream '${stream}' is a platform stream (audit, workflow, workflow.*, config, dlq.*): ${reason}.`;
  return { reason, problem: problem(403, "platform-stream", "Platform stream", detail, { extensions: { stream } }) };
};
