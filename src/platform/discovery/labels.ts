// Labels an agent is given at spawn (`{region: "us", tier: "gold"}`): free-form strings
// the directory lists and discovery filters by. Bounded, and keyed in lower case so a
// label can never shadow one of the load figures discovery constraints also read
// (`inFlight`, `queueLength`, `errorRate`, `p50Ms`, each with a capital letter).
import { z } from "zod";

export const LABEL_KEY = /^[a-z][a-z0-9_.-]{0,62}$/;
export const MAX_LABELS = 16;
export const MAX_LABEL_VALUE = 128;

export const labelKeySchema = z.string().regex(LABEL_KEY, "label names are 1-63 characters of a-z 0-9 _ . - starting with a letter");
export const labelValueSchema = z.string().min(1).max(MAX_LABEL_VALUE);

export const labelsSchema = z
  .record(labelKeySchema, labelValueSchema)
  .refine((labels) => Object.keys(labels).length <= MAX_LABELS, `at most ${MAX_LABELS} labels`);

export type Labels = Record<string, string>;
