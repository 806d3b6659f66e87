// What an agent target's action receives for each event: the event's data ("data", the
// default), the whole CloudEvent ("event"), or an object template whose strings of the
// form `$.data.qty` / `$.id` / `$.type` are references into the CloudEvent and whose
// other values are constants (`{"by": 1}`, `{"by": "$.data.qty", "order": "$.subject"}`).
// The resolver is the one workflow steps use (../json-template.ts).
import { z } from "zod";
import { resolveTemplate, templateReferences } from "../json-template.ts";
import type { CloudEvent } from "./cloud-event.ts";

/** The CloudEvent attributes a reference may start with; only `data` has fields below it. */
const ATTRIBUTES = new Set([
  "specversion", "id", "source", "type", "subject", "time", "datacontenttype", "data",
  "tenant", "stream", "sequence", "correlationid", "causationid", "traceparent", "tracestate",
]);
const REFERENCE = /^\$(\.[A-Za-z0-9_-]+)+$/;
/** A template is part of the subscription record; it stays small. */
export const MAX_TEMPLATE_JSON = 16_384;

/** Why `reference` cannot name a part of a CloudEvent, or null when it can. */
export const referenceProblem = (reference: string): string | null => {
  if (!REFERENCE.test(reference)) return `'${reference}' is not a reference of the form $.<attribute> or $.data.<field>`;
  const [, attribute, ...rest] = reference.split(".");
  if (!ATTRIBUTES.has(attribute!)) return `'${reference}' names '${attribute}', which is not a CloudEvent attribute (${[...ATTRIBUTES].join(", ")})`;
  if (attribute !== "data" && rest.length > 0) return `'${reference}': only $.data has fields; '${attribute}' is a single value`;
  return null;
};

const templateSchema = z.record(z.string().min(1).max(128), z.unknown()).superRefine((template, ctx) => {
  if (JSON.stringify(template).length > MAX_TEMPLATE_JSON) {
    ctx.addIssue({ code: "custom", message: `must be at most ${MAX_TEMPLATE_JSON} characters as JSON` });
    return;
  }
  for (const { path, reference } of templateReferences(template)) {
    const message = referenceProblem(reference);
    if (message) ctx.addIssue({ code: "custom", message, path: path.split(".") });
  }
});

export const inputMappingSchema = z
  .union([z.enum(["data", "event"]), templateSchema])
  .describe('What the action receives: "data" (the event\'s data), "event" (the CloudEvent), or an object template with references such as "$.data.qty", "$.id", "$.type"');

export type InputMapping = z.output<typeof inputMappingSchema>;

/** The action's input for one event. */
export const mapInput = (mapping: InputMapping, event: CloudEvent): unknown => {
  if (mapping === "event") return event;
  if (mapping === "data") return event.data ?? {};
  return resolveTemplate(mapping, event);
};

/** The input every event yields, when the mapping makes it the same for all (a template without references). */
export const constantInput = (mapping: InputMapping): { value: unknown } | null => {
  if (mapping === "event" || mapping === "data") return null;
  return templateReferences(mapping).length === 0 ? { value: mapping } : null;
};
