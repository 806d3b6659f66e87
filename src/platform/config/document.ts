// A tenant's configuration is what it set (its `settings`, a partial document) over the
// deployment's defaults. A change is a merge patch of the settings: `null` removes a
// setting, so it returns to its default, and a default changed in wrangler.toml reaches
// every tenant that did not set it. The result is validated as a whole, and a refusal
// names every bad path at once.
import { z } from "zod";
import { validationProblem } from "../problem.ts";
import { fieldErrors } from "../zod-issues.ts";
import { applyMergePatch, changedPaths } from "./merge-patch.ts";
import { type Config, configSchema } from "./schema.ts";

export type Settings = Record<string, unknown>;

/** Settings JSON a tenant may store (a version is one row; rows hold at most 2 MB). */
export const MAX_SETTINGS_BYTES = 512 * 1024;

export const mergePatchSchema = z.record(z.string(), z.unknown());

/** The effective configuration; throws a 400 problem naming every bad path. */
export const resolveConfig = (defaults: Config, settings: Settings): Config => {
  const parsed = configSchema.safeParse(applyMergePatch(defaults, settings));
  if (!parsed.success) throw validationProblem(fieldErrors(parsed.error.issues), "The configuration is not valid; nothing changed.");
  return parsed.data;
};

export type Patched = { settings: Settings; config: Config; changed: string[] };

/** Applies a merge patch to the settings and validates the outcome; refuses it (400, every bad path) as a whole. */
export const patchSettings = (defaults: Config, settings: Settings, patch: unknown): Patched => {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
    throw validationProblem([{ path: "(body)", message: "a merge patch of the configuration is a JSON object" }]);
  }
  const next = applyMergePatch(settings, patch) as Settings;
  const config = resolveConfig(defaults, next);
  if (new TextEncoder().encode(JSON.stringify(next)).length > MAX_SETTINGS_BYTES) {
    throw validationProblem([{ path: "(body)", message: `the settings would exceed ${MAX_SETTINGS_BYTES} bytes of JSON` }]);
  }
  return { settings: next, config, changed: changedPaths(resolveConfig(defaults, settings), config) };
};

/** The ETag of a version: strong, quoted. */
export const etagOf = (version: number): string => `"v${version}"`;

/**
 * Whether an If-Match header allows a write at `version`: absent or `*` always; otherwise
 * one of its (comma-separated) tags must be this version's. Weak tags never match (RFC 9110).
 */
export const ifMatchAllows = (header: string | undefined | null, version: number): boolean => {
  if (header === undefined || header === null || header.trim() === "") return true;
  const tags = header.split(",").map((tag) => tag.trim());
  return tags.includes("*") || tags.includes(etagOf(version));
};

/** Versions a tenant's history keeps (the current one included); older ones are deleted as new ones are made. */
export const CONFIG_HISTORY_MAX = 100;

/** The object holding a tenant's configuration. */
export const configObjectName = (tenant: string): string => `config/${tenant}`;
