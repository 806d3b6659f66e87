// The client side of the live socket protocol: what a client may send (a call) and the
// reply it gets. Parsed with zod like any input from outside; a message that does not
// parse is answered with a validation problem naming the field, and changes nothing.
import { z } from "zod";
import { idempotencyKeySchema } from "../ids.ts";
import { problemBody, type Problem } from "../problem.ts";

export const actionNameSchema = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, "must be an action name");

export const clientMessageSchema = z.strictObject({
  call: actionNameSchema,
  input: z.unknown().optional(),
  idempotencyKey: idempotencyKeySchema.optional(),
  /** Echoed in the reply, so a client can match replies to calls. */
  id: z.union([z.string().max(128), z.number().int().safe()]).optional(),
});
export type ClientMessage = z.output<typeof clientMessageSchema>;

export type ReplyId = string | number | undefined;

export const outputReply = (id: ReplyId, output: unknown, replayed: boolean): string =>
  JSON.stringify({ type: "reply", ...(id === undefined ? {} : { reply: id }), output, ...(replayed ? { replayed: true } : {}) });

export const problemReply = (id: ReplyId, problem: Problem): string =>
  JSON.stringify({ type: "reply", ...(id === undefined ? {} : { reply: id }), problem: problemBody(problem) });

/** The `id` of a message that failed to parse, when it had a usable one (so the reply still matches). */
export const replyIdOf = (raw: unknown): ReplyId => {
  if (typeof raw !== "object" || raw === null) return undefined;
  const id = (raw as { id?: unknown }).id;
  return (typeof id === "string" && id.length <= 128) || (typeof id === "number" && Number.isSafeInteger(id)) ? id : undefined;
};
