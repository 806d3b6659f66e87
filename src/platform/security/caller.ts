// Who is making a call into an object: a token holder (after the Worker verified the
// token) or another agent (carrying its own grants). Objects check capabilities
// against the caller, because only they know the agent's type.
import { z } from "zod";
import { idSchema } from "../ids.ts";
import { capabilityNameSchema } from "./capability-name.ts";
import { constraintsSchema } from "./constraints.ts";

const grantSchema = z.strictObject({
  name: capabilityNameSchema,
  constraints: constraintsSchema,
  grantedBy: z.string().max(200),
  expiresAt: z.number().int().nullable(),
});

/** The token a principal acted with (absent in callers stored by older versions). */
const tokenSchema = z.strictObject({ jti: z.string().min(1).max(200).nullable(), issuedAt: z.number().int(), expiresAt: z.number().int() });

export const callerSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("principal"),
    subject: z.string().min(1).max(200),
    tenant: idSchema,
    grants: z.array(grantSchema).max(200),
    token: tokenSchema.optional(),
  }),
  z.strictObject({ kind: z.literal("agent"), id: idSchema, type: z.string().max(64), tenant: idSchema, grants: z.array(grantSchema).max(1000) }),
]);

export type Caller = z.output<typeof callerSchema>;

/** How a caller is named in audit records and problems. */
export const callerName = (caller: Caller): string =>
  caller.kind === "principal" ? `principal:${caller.subject}` : `agent:${caller.type}/${caller.id}`;
