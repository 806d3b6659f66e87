// Every event the event benchmark publishes is accounted for: publishOp checks each
// acknowledgement and notes it in the stream's ledger; checkStreams then compares each
// stream's stored length with the events acknowledged on it (none lost, none extra, no
// duplicate answers, no sequence given twice).
import { describe } from "../lib/http.ts";
import { fmtInt, type Outcome } from "../lib/stats.ts";
import { countError, type Ledger, newEvents, parse, type Side } from "./side.ts";

/** Per stream: events acknowledged as new, their sequences (must be distinct), and oddities. */
export type { Ledger } from "./side.ts";
const ledger = (): Ledger => ({ acked: 0, sequences: new Set(), duplicates: 0, reusedSequences: 0 });

/**
 * Publishes `count` new events to `stream` and checks the acknowledgement: 201, one item
 * per event in order, same ids, integer sequences. Acknowledged events go to the ledger.
 */
export const publishOp = async (side: Side, runId: string, stream: string, count: number): Promise<Outcome> => {
  const events = newEvents(side, runId, count);
  const reply = await side.publish(stream, events);
  if (reply.status !== 201) {
    countError(side.errors, reply);
    return { ok: false, ms: reply.ms, error: describe(reply) };
  }
  const items = (parse(reply.body) as { items?: unknown } | undefined)?.items;
  const valid =
    Array.isArray(items) &&
    items.length === events.length &&
    items.every((item: { id?: unknown; sequence?: unknown }, i) => item?.id === events[i]?.id && Number.isSafeInteger(item?.sequence));
  if (!valid) {
    countError(side.errors, undefined);
    return { ok: false, ms: reply.ms, error: `malformed acknowledgement: ${describe(reply)}` };
  }
  let book = side.ledgers.get(stream);
  if (!book) side.ledgers.set(stream, (book = ledger()));
  for (const item of items as { sequence: number; duplicate?: boolean }[]) {
    // Every id is new: a duplicate means the platform stored the event once and answered
    // it again, e.g. after an internal retry of an append that had succeeded.
    if (item.duplicate) book.duplicates++;
    else book.acked++;
    if (book.sequences.has(item.sequence)) book.reusedSequences++;
    book.sequences.add(item.sequence);
  }
  return { ok: true, ms: reply.ms };
};

export type StreamCheck = { streams: number; acked: number; stored: number; lost: number; extra: number; duplicates: number; reused: number; problems: string[] };

/** Compares each stream's stored length with the events acknowledged on it. */
export const checkStreams = async (side: Side, streams: readonly string[]): Promise<StreamCheck> => {
  const check: StreamCheck = { streams: streams.length, acked: 0, stored: 0, lost: 0, extra: 0, duplicates: 0, reused: 0, problems: [] };
  for (const stream of streams) {
    const book = side.ledgers.get(stream) ?? ledger();
    const reply = await side.info(stream);
    const info = parse(reply.body) as { length?: unknown; last?: unknown } | undefined;
    if (reply.status !== 200 || typeof info?.length !== "number") {
      check.problems.push(`${stream}: info ${describe(reply)}`);
      continue;
    }
    check.acked += book.acked;
    check.stored += info.length;
    check.duplicates += book.duplicates;
    check.reused += book.reusedSequences;
    if (info.length < book.acked) check.lost += book.acked - info.length;
    if (info.length > book.acked) check.extra += info.length - book.acked;
    // Not Math.max(...set): a spread of 100,000 arguments overflows the call stack.
    let maxSeq = 0;
    for (const sequence of book.sequences) if (sequence > maxSeq) maxSeq = sequence;
    if (info.last !== info.length || maxSeq > info.length) {
      check.problems.push(`${stream}: length ${info.length}, last ${String(info.last)}, highest acknowledged sequence ${maxSeq}`);
    }
  }
  return check;
};

export const checkText = (c: StreamCheck): string =>
  `${c.streams} stream(s): ${fmtInt(c.acked)} acknowledged, ${fmtInt(c.stored)} stored; lost ${c.lost}, unacknowledged but stored ${c.extra}, ` +
  `answered as duplicate ${c.duplicates}, sequence reused ${c.reused}` + (c.problems.length > 0 ? `; ${c.problems.slice(0, 3).join("; ")}` : "");

export const checkClean = (c: StreamCheck): boolean => c.lost === 0 && c.extra === 0 && c.duplicates === 0 && c.reused === 0 && c.problems.length === 0;
