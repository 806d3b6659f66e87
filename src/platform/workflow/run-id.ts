// Why: a run's id is derived from its start's Idempotency-Key (so a retried start names
// the same run) or drawn at random; one function says how, for the route and for anyone
// who must know a keyed start's run before starting it.
import { sha256Hex } from "../canonical-json.ts";

/** `run_` and 32 hex digits: the SHA-256 of the workflow's name and the key, or random without a key. */
export const runIdFor = async (workflow: string, idempotencyKey: string | undefined): Promise<string> =>
  `run_${idempotencyKey === undefined ? crypto.randomUUID().replaceAll("-", "") : (await sha256Hex(`${workflow}\n${idempotencyKey}`)).slice(0, 32)}`;
