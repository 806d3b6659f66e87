// Storing a batch in a stream's log: in order, under a gap-free sequence, each id stored
// once and owned by its first publisher (a publisher retrying gets the same sequence
// back; another publisher's id is a conflict that refuses the whole batch).
import { idClaim } from "../../src/platform/events/publish-access.ts";
import { problem } from "../../src/platform/problem.ts";
import type { AppendInput, Appended } from "./stream-contract.ts";
import type { StreamSettings, StreamStore } from "./stream-store.ts";

const idConflict = (id: string, stream: string) =>
  problem(409, "event-id-conflict", "Event id taken", `Event id '${id}' is already in stream '${stream}' from another publisher; publish under another id.`, {
    extensions: { id, stream },
  });

/** Appends `inputs` for `publisher` in one transaction; a conflict throws inside it, so nothing is stored. */
export const appendToLog = (store: StreamStore, settings: StreamSettings, inputs: AppendInput, publisher: string, now: number): Appended[] =>
  store.transaction(() => {
    let last = store.lastSeq();
    return inputs.map((input): Appended => {
      // A new id (nearly every one) is stored by one statement; only an id stored before is looked up.
      const { stream: _stream, ...envelope } = input;
      if (store.insertNew({ ...envelope, tenant: settings.tenant, stream: settings.stream, sequence: last + 1 }, now, publisher)) {
        last += 1;
        return { id: input.id, stream: settings.stream, sequence: last, duplicate: false };
      }
      const existing = store.findById(input.id)!;
      if (idClaim(existing.publisher, publisher) === "conflict") throw idConflict(input.id, settings.stream);
      return { id: input.id, stream: settings.stream, sequence: existing.seq, duplicate: true };
    });
  });
