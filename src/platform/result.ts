// The shape every Durable Object RPC answers with. Domain failures travel as data
// (a Problem) because an Error thrown across RPC keeps only its message; exceptions
// are left for infrastructure faults, which the caller classifies and may retry.
import { type Problem, ProblemError } from "./problem.ts";

export type Result<T> = { ok: true; value: T } | { ok: false; problem: Problem };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

/** Runs `fn`, turning a thrown ProblemError into a failed Result; other errors propagate. */
export const asResult = async <T>(fn: () => T | Promise<T>): Promise<Result<T>> => {
  try {
    return ok(await fn());
  } catch (error) {
    if (error instanceof ProblemError) return { ok: false, problem: error.problem };
    throw error;
  }
};

/** The value of a Result, or the ProblemError it carries. */
export const unwrap = <T>(result: Result<T>): T => {
  if (result.ok) return result.value;
  throw new ProblemError(result.problem);
};
