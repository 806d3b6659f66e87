// Idempotency for mutating calls. A record keeps the first successful answer under its
// key with a fingerprint of the request; the same key and request replays the answer,
// the same key with a different request is refused (422). Keys the platform makes up
// for callers who sent none only need to outlive the platform's own retries.
import { canonicalJson, sha256Hex } from "../canonical-json.ts";
import { problem, type ProblemError } from "../problem.ts";

export type KeyOrigin = "client" | "platform";

export const IDEMPOTENCY_TTL_MS: Record<KeyOrigin, number> = {
  client: 24 * 60 * 60 * 1000,
  platform: 60 * 1000,
};

export type IdempotencyRecord = {
  key: string;
  fingerprint: string;
  /** JSON text of the answer. */
  response: string;
  createdAt: number;
  expiresAt: number;
  origin: KeyOrigin;
};

export const requestFingerprint = (action: string, input: unknown): Promise<string> =>
  sha256Hex(`${action}\n${canonicalJson(input)}`);

export const keyReuseProblem = (key: string): ProblemError =>
  problem(422, "idempotency-key-reused", "Idempotency key reused", `The key '${key}' was already used for a different request.`);
