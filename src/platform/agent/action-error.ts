// The error an action throws to say "this call failed" in a way the caller can act
// on: a stable `code`, whether trying again may help, and details. Anything else an
// action throws is treated as a crash of the agent's code (retried, counted by the
// circuit breaker, answered 500 without leaking internals).
export type ActionErrorOptions = {
  /** True when the same call may succeed later (a flaky dependency); retried by the policy. */
  retryable?: boolean;
  details?: Record<string, unknown>;
};

export class ActionError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: string, message: string, options: ActionErrorOptions = {}) {
    super(message);
    this.name = "ActionError";
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }
}
