// Turns zod issues into the `errors: [{path, message}]` member of a validation problem.
// Paths are dotted (`items.0.name`); an issue about the whole value has the path given
// as `root`; an unknown key becomes one error whose path names that key.
import type { z } from "zod";
import { type FieldError, validationProblem, type ProblemError } from "./problem.ts";

type Issue = z.core.$ZodIssue;

const joinPath = (root: string, segments: readonly PropertyKey[]): string => {
  const rest = segments.map((s) => String(s)).join(".");
  if (!root) return rest || "(root)";
  return rest ? `${root}.${rest}` : root;
};

export const fieldErrors = (issues: readonly Issue[], root = ""): FieldError[] =>
  issues.flatMap((issue): FieldError[] => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: joinPath(root, [...issue.path, key]), message: "unknown field" }));
    }
    if (issue.code === "invalid_union") {
      // The option meant is the one that accepts the value's own type (an object, an
      // array...): name its fields rather than the whole value.
      const meant = issue.errors.filter((option) => option.length > 0 && !option.some((inner) => inner.code === "invalid_type" && inner.path.length === 0));
      if (meant.length === 1) return fieldErrors(meant[0]!.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }) as Issue), root);
    }
    return [{ path: joinPath(root, issue.path), message: issue.message }];
  });

export const zodProblem = (error: z.ZodError, root = "", detail?: string): ProblemError =>
  validationProblem(fieldErrors(error.issues, root), detail);

/** `schema.parse` that throws a 400 problem naming the fields instead of a ZodError. */
export const parseOrProblem = <T extends z.ZodType>(schema: T, value: unknown, root = "", detail?: string): z.output<T> => {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw zodProblem(parsed.error, root, detail);
  return parsed.data;
};
