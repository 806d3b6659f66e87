// The cache benchmark's write visibility: per consistency mode, the time from a write's
// acknowledgement until a read in that mode answers the new value, after the tiers held
// the old one (read in the writer's isolate, or through KV as another location would).
import { sleep } from "../lib/stats.ts";
import { CONFIG } from "./config.ts";
import { mustPut, type Target } from "./reads.ts";

export const MODES = [
  ["eventual", ""],
  ["bounded 1 s", "?consistency=bounded&maxStalenessMs=1000"],
  ["strong", "?consistency=strong"],
] as const;

/** Per mode: ms from a write's acknowledgement until a read in that mode answers it, after the tiers held the old value. */
export const visibilityBench = async (target: Target, tag: string) => {
  const out = new Map<string, number[]>();
  for (const [mode, query] of MODES) {
    const samples: number[] = [];
    for (let i = 0; i < CONFIG.visibility.samples; i++) {
      const path = `/v1/cache/vis/${tag}-${mode.replace(/\W/g, "")}-${i}`;
      await mustPut(target.client, path, 0);
      await target.client.get(path + query);
      await sleep(1_100); // past the KV push interval, so the next push is not coalesced
      await target.client.get(path + query); // the tiers hold the old value now
      await mustPut(target.client, path, 1);
      const acked = performance.now();
      let seen = Number.NaN;
      while (performance.now() - acked < CONFIG.visibility.maxMs) {
        const reply = await target.client.get(path + query);
        if (reply.status === 200 && (JSON.parse(reply.body) as { value: unknown }).value === 1) {
          seen = performance.now() - acked;
          break;
        }
        await sleep(CONFIG.visibility.pollMs);
      }
      samples.push(seen);
    }
    out.set(mode, samples);
  }
  return out;
};
