// Server-Sent Events frames for the integration tests (the stream tail, a run's live
// stream): reads a response's body, frame by frame, with a bound on reads so that a
// stream that never sends enough cannot hang a test.
import type { Body } from "./http.ts";

export type Frame = { id: number; event: string; data: Body };

/**
 * The frames of `response` with an id, read until `count` have arrived (then it hangs up)
 * or the server ends the stream; `ended` says which. Past `maxReads` reads it hangs up.
 */
export const readSseFrames = async (response: Response, { count = Infinity, maxReads }: { count?: number; maxReads: number }): Promise<{ frames: Frame[]; ended: boolean }> => {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const frames: Frame[] = [];
  let text = "";
  for (let reads = 0; frames.length < count && reads < maxReads; reads++) {
    const { value, done } = await reader.read();
    if (done) return { frames, ended: true };
    text += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = text.indexOf("\n\n")) >= 0) {
      const fields = Object.fromEntries(text.slice(0, end).split("\n").map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)]));
      text = text.slice(end + 2);
      if (fields.id !== undefined) frames.push({ id: Number(fields.id), event: fields.event!, data: JSON.parse(fields.data!) });
    }
  }
  await reader.cancel();
  return { frames, ended: false };
};
