// Constraints on a capability grant, checked against the context of one call (e.g. an
// action's input). Each constraint names a context field:
//   - a scalar requires equality (`region: "us"`);
//   - an array requires membership (`region: ["us", "eu"]`);
//   - `{min?, max?}` bounds a number (`amount: {max: 100}`);
//   - `maxX` / `minX` with a number bound the field `x` (`maxAmount: 100` bounds `amount`).
// A field the context lacks fails the constraint: what cannot be verified is denied.
import { z } from "zod";

const scalar = z.union([z.string().max(200), z.number(), z.boolean()]);

export const constraintSchema = z.union([
  scalar,
  z.array(scalar).min(1).max(100),
  z
    .strictObject({ min: z.number().optional(), max: z.number().optional() })
    .refine((bound) => bound.min !== undefined || bound.max !== undefined, "give min or max"),
]);

export const constraintsSchema = z.record(z.string().min(1).max(64), constraintSchema).refine(
  (constraints) => Object.keys(constraints).length <= 32,
  "at most 32 constraints",
);

export type Constraint = z.output<typeof constraintSchema>;
export type Constraints = Record<string, Constraint>;
export type ConstraintCheck = { ok: true } | { ok: false; reason: string };

const BOUND_KEY = /^(max|min)([A-Z][A-Za-z0-9_]*)$/;

const fieldOf = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

const checkOne = (key: string, constraint: Constraint, context: Record<string, unknown>): string | null => {
  const bound = typeof constraint === "number" ? BOUND_KEY.exec(key) : null;
  if (bound) {
    const field = fieldOf(bound[2] ?? "");
    const value = context[field];
    if (typeof value !== "number") return `'${field}' must be a number to check ${key}`;
    if (bound[1] === "max" ? value > (constraint as number) : value < (constraint as number)) {
      return `'${field}' is ${value}, beyond ${key} ${constraint}`;
    }
    return null;
  }
  if (!Object.hasOwn(context, key)) return `'${key}' is required by the grant's constraints`;
  const value = context[key];
  if (Array.isArray(constraint)) {
    return constraint.some((allowed) => allowed === value) ? null : `'${key}' must be one of ${JSON.stringify(constraint)}`;
  }
  if (typeof constraint === "object") {
    if (typeof value !== "number") return `'${key}' must be a number`;
    if (constraint.min !== undefined && value < constraint.min) return `'${key}' is below ${constraint.min}`;
    if (constraint.max !== undefined && value > constraint.max) return `'${key}' is above ${constraint.max}`;
    return null;
  }
  return value === constraint ? null : `'${key}' must be ${JSON.stringify(constraint)}`;
};

export const checkConstraints = (constraints: Constraints, context: Record<string, unknown>): ConstraintCheck => {
  for (const [key, constraint] of Object.entries(constraints)) {
    const reason = checkOne(key, constraint, context);
    if (reason !== null) return { ok: false, reason };
  }
  return { ok: true };
};
