// How outboxes drain to the bus: batches of at most OUTBOX_BATCH events and at most
// OUTBOX_BATCH_CHARS of JSON (far below the 32 MiB RPC limit, whatever the events'
// sizes), at most OUTBOX_MAX_BATCHES per pass; the alarm runs the next pass.
export const OUTBOX_BATCH = 100;
export const OUTBOX_MAX_BATCHES = 20;
export const OUTBOX_BATCH_CHARS = 4 * 1024 * 1024;

/** The longest prefix of `rows` within `maxChars` (never fewer than one row, so a large event still goes). */
export const withinBatchSize = <T>(rows: readonly T[], chars: (row: T) => number, maxChars = OUTBOX_BATCH_CHARS): T[] => {
  let total = 0;
  let count = 0;
  for (const row of rows) {
    total += chars(row);
    if (count > 0 && total > maxChars) break;
    count++;
  }
  return rows.slice(0, count);
};
