// A stream's retention: events older than `maxAgeMs`, or beyond the last `maxCount`, are
// deleted by the stream's alarm; sequence numbers are never reused.
import { z } from "zod";

export const retentionSchema = z.strictObject({
  maxAgeMs: z.number().int().min(1_000).nullable().default(null),
  maxCount: z.number().int().min(1).nullable().default(null),
});

export type Retention = z.output<typeof retentionSchema>;
export type RetentionInput = z.input<typeof retentionSchema>;
