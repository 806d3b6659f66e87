// An OpenFeature provider for the official server SDK (@openfeature/server-sdk): each
// evaluation is `POST /v1/flags/:key/evaluate` on the platform (token with
// flags:evaluate), so an application keeps the standard OpenFeature API and the
// platform's targeting, rollouts and kill switches. Reasons arrive as OpenFeature's
// own; a missing flag, a missing targeting key or a value of another type become the
// SDK's errors, for which it answers the caller's default.
import {
  FlagNotFoundError,
  GeneralError,
  InvalidContextError,
  type EvaluationContext,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
  TargetingKeyMissingError,
  TypeMismatchError,
} from "@openfeature/server-sdk";

export type JidoFlagProviderOptions = {
  baseUrl: string;
  token: string;
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
};

type Evaluation = { value: unknown; variant: string | null; reason: string; errorCode?: string; errorMessage?: string; flagMetadata?: Record<string, string | number | boolean> };

/** Context values as JSON: dates as ISO strings, the rest as they are. */
const contextJson = (context: EvaluationContext): Record<string, unknown> =>
  JSON.parse(JSON.stringify(context, (_key, value: unknown) => (value instanceof Date ? value.toISOString() : value))) as Record<string, unknown>;

export class JidoFlagProvider implements Provider {
  readonly metadata = { name: "jido-system" } as const;
  readonly runsOn = "server" as const;
  readonly #base: string;
  readonly #token: string;
  readonly #fetch: (input: string, init: RequestInit) => Promise<Response>;

  constructor(options: JidoFlagProviderOptions) {
    if (!options.baseUrl) throw new TypeError("JidoFlagProvider: baseUrl is required");
    if (!options.token) throw new TypeError("JidoFlagProvider: token is required");
    this.#base = options.baseUrl.replace(/\/+$/, "");
    this.#token = options.token;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async #resolve<T>(flagKey: string, context: EvaluationContext, accepts: (value: unknown) => boolean, type: string): Promise<ResolutionDetails<T>> {
    const response = await this.#fetch(`${this.#base}/v1/flags/${encodeURIComponent(flagKey)}/evaluate`, {
      method: "POST",
      headers: { authorization: `Bearer ${this.#token}`, "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ context: contextJson(context) }),
    });
    const body = (await response.json().catch(() => null)) as (Evaluation & { detail?: string }) | null;
    if (response.status === 404) throw new FlagNotFoundError(body?.detail ?? `No flag '${flagKey}'.`);
    if (response.status === 400) throw new InvalidContextError(body?.detail ?? "The evaluation context was refused.");
    if (!response.ok || body === null) throw new GeneralError(`The platform answered ${response.status}${body?.detail ? `: ${body.detail}` : ""}.`);
    if (body.reason === "ERROR") {
      if (body.errorCode === "TARGETING_KEY_MISSING") throw new TargetingKeyMissingError(body.errorMessage);
      if (body.errorCode === "FLAG_NOT_FOUND") throw new FlagNotFoundError(body.errorMessage);
      throw new GeneralError(body.errorMessage);
    }
    if (!accepts(body.value)) throw new TypeMismatchError(`Flag '${flagKey}' is not a ${type}.`);
    return {
      value: body.value as T,
      reason: body.reason,
      ...(body.variant === null ? {} : { variant: body.variant }),
      ...(body.flagMetadata ? { flagMetadata: body.flagMetadata } : {}),
    };
  }

  resolveBooleanEvaluation(flagKey: string, _defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    return this.#resolve(flagKey, context, (value) => typeof value === "boolean", "boolean");
  }

  resolveStringEvaluation(flagKey: string, _defaultValue: string, context: EvaluationContext): Promise<ResolutionDetails<string>> {
    return this.#resolve(flagKey, context, (value) => typeof value === "string", "string");
  }

  resolveNumberEvaluation(flagKey: string, _defaultValue: number, context: EvaluationContext): Promise<ResolutionDetails<number>> {
    return this.#resolve(flagKey, context, (value) => typeof value === "number", "number");
  }

  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, _defaultValue: T, context: EvaluationContext): Promise<ResolutionDetails<T>> {
    return this.#resolve(flagKey, context, (value) => typeof value === "object" && value !== null, "object");
  }
}
