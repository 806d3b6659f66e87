// Idempotency for mutating calls. A record keeps the first successful answer under its
// key with a fingerprint of the request; the same key and request replays the answer,
// the same key with a different request is refused (422). Keys the platform makes up
// for callers who sent none only need to outlive the platform's own retries.
// An agent call's fingerprint is the request's canonical text itself while that is
// short (no SHA-256 per call: a hash cost more CPU than the rest of the key check), its
// SHA-256 beyond; records written as hashes (and checkpoints, which always carry the
// hash) still match, by hashing the text when the two forms meet.
import { canonicalJson, sha256Hex } from "../canonical-json.ts";
import { problem, type ProblemError } from "../problem.ts";

export type KeyOrigin = "client" | "platform";

export const IDEMPOTENCY_TTL_MS: Record<KeyOrigin, number> = {
  client: 24 * 60 * 60 * 1000,
  platform: 60 * 1000,
};

/**
 * The alarm deletes expired records at most this often, all that are due in one
 * statement: arming it for each record's own expiry woke a busy agent once per action a
 * minute later (its platform keys). A record then stays up to this much past its expiry,
 * never answering once expired (look-ups check the expiry).
 */
export const IDEMPOTENCY_PRUNE_INTERVAL_MS = 60 * 1000;

export type IdempotencyRecord = {
  key: string;
  fingerprint: string;
  /** JSON text of the answer. */
  response: string;
  createdAt: number;
  expiresAt: number;
  origin: KeyOrigin;
};

/** The SHA-256 fingerprint of a request (run starts; the hashed form of an agent call's). */
export const requestFingerprint = (action: string, input: unknown): Promise<string> =>
  sha256Hex(requestText(action, input));

const requestText = (action: string, input: unknown): string => `${action}\n${canonicalJson(input)}`;

/** Up to this many characters, an agent call's canonical text is its own fingerprint. */
export const TEXT_FINGERPRINT_MAX = 512;

/**
 * An agent call's fingerprint: its canonical text (which always holds a newline, so it is
 * never taken for a hash) up to TEXT_FINGERPRINT_MAX characters, else its SHA-256.
 */
export const callFingerprint = (action: string, input: unknown): string | Promise<string> => {
  const text = requestText(action, input);
  return text.length <= TEXT_FINGERPRINT_MAX ? text : sha256Hex(text);
};

const isText = (fingerprint: string): boolean => fingerprint.includes("\n");

/** The SHA-256 form of a fingerprint (what a checkpoint carries). */
export const hashedFingerprint = (fingerprint: string): string | Promise<string> =>
  isText(fingerprint) ? sha256Hex(fingerprint) : fingerprint;

/** Whether two fingerprints name the same request, whichever form each has. */
export const sameFingerprint = (a: string, b: string): boolean | Promise<boolean> => {
  if (a === b) return true;
  if (isText(a) === isText(b)) return false;
  return Promise.all([hashedFingerprint(a), hashedFingerprint(b)]).then(([x, y]) => x === y);
};

export const keyReuseProblem = (key: string): ProblemError =>
  problem(422, "idempotency-key-reused", "Idempotency key reused", `The key '${key}' was already used for a different request.`);
