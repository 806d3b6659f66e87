// What a publish request (POST /v1/events) carries, in each content mode of the
// CloudEvents HTTP binding: binary (attributes in `ce-*` headers, the data as the body),
// structured (`application/cloudevents+json`, one event), batched
// (`application/cloudevents-batch+json`, an array, which may be empty) and the
// platform's plain `application/json` (one event or a non-empty array). Every event is
// validated by the same schema; errors name the field where the client put it (a header,
// `type`, `2.type`).
import { z } from "zod";
import { type FieldError, problem, type ProblemError, validationProblem } from "../problem.ts";
import { fieldErrors } from "../zod-issues.ts";
import { eventInputSchema, MAX_EVENTS_PER_PUBLISH } from "./cloud-event.ts";
import { BATCH_TYPE, type ContentMode, contentModeOf, eventFromBinary, headerOf, STRUCTURED_TYPE } from "./http-binding.ts";

export type PublishInput = z.output<typeof eventInputSchema>;

export type PublishRequest = {
  mode: ContentMode;
  events: PublishInput[];
  /** Where the client put attribute `attribute` of the event at `index`, to name it in errors. */
  pathOf(index: number, attribute: string): string;
};

const batchSchema = z.array(eventInputSchema);

/** The JSON format treats a null attribute as absent (§2.2); `data: null` is a payload. */
const withoutNullAttributes = (value: unknown): unknown => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key, member]) => member !== null || key === "data"));
};

const invalid = (errors: FieldError[]): ProblemError => validationProblem(errors, "The request does not carry valid CloudEvents.");

const bodyError = (message: string): ProblemError => invalid([{ path: "(body)", message }]);

const parseJson = (body: Uint8Array): unknown => {
  if (body.length === 0) throw bodyError("is required: a CloudEvent, or an array of them");
  try {
    return JSON.parse(new TextDecoder().decode(body)) as unknown;
  } catch (error) {
    throw bodyError(`is not valid JSON: ${error instanceof Error ? error.message : "parse error"}`);
  }
};

const parseOne = (value: unknown, mode: ContentMode, pathOf: PublishRequest["pathOf"]): PublishRequest => {
  const parsed = eventInputSchema.safeParse(withoutNullAttributes(value));
  if (!parsed.success) {
    // A binary-mode event's attributes are headers: name those.
    const errors = fieldErrors(parsed.error.issues).map((error) => (mode === "binary" && error.path !== "(root)" ? { ...error, path: headerOf(error.path.split(".")[0] ?? "") } : error));
    throw invalid(errors);
  }
  return { mode, events: [parsed.data], pathOf };
};

const parseMany = (value: unknown[], mode: ContentMode): PublishRequest => {
  if (value.length > MAX_EVENTS_PER_PUBLISH) throw bodyError(`has ${value.length} events: at most ${MAX_EVENTS_PER_PUBLISH} per request`);
  const parsed = batchSchema.safeParse(value.map(withoutNullAttributes));
  if (!parsed.success) throw invalid(fieldErrors(parsed.error.issues));
  return { mode, events: parsed.data, pathOf: (index, attribute) => `${index}.${attribute}` };
};

/**
 * The events of a publish request, validated; throws a 400 problem naming the fields,
 * or 415 when the request is in no content mode the platform reads.
 */
export const parsePublishRequest = (headers: Headers, body: Uint8Array): PublishRequest => {
  const mode = contentModeOf(headers, body.length > 0);
  switch (mode) {
    case "binary": {
      const carried = eventFromBinary(headers, body);
      if (!carried.ok) throw invalid(carried.errors);
      return parseOne(carried.event, mode, (_index, attribute) => headerOf(attribute));
    }
    case "structured": {
      const value = parseJson(body);
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw bodyError(`must be one CloudEvent as a JSON object (a batch is sent as ${BATCH_TYPE})`);
      return parseOne(value, mode, (_index, attribute) => attribute);
    }
    case "batch": {
      const value = parseJson(body);
      if (!Array.isArray(value)) throw bodyError(`must be a JSON array of CloudEvents (one event is sent as ${STRUCTURED_TYPE})`);
      return parseMany(value, mode);
    }
    case "json": {
      const value = parseJson(body);
      if (Array.isArray(value)) {
        if (value.length === 0) throw bodyError("is an empty array: send at least one event");
        return parseMany(value, mode);
      }
      if (typeof value !== "object" || value === null) throw bodyError("must be a CloudEvent (a JSON object) or an array of them");
      return parseOne(value, mode, (_index, attribute) => attribute);
    }
    case null:
      throw problem(
        415,
        "unsupported-media-type",
        "Unsupported media type",
        `Send events as application/json, ${STRUCTURED_TYPE}, ${BATCH_TYPE}, or in binary mode (ce-* headers with the data as the body).`,
      );
  }
};
