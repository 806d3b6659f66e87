// The alarm as an object last set or read it (objects/durable/alarm.ts createAlarmMemo):
// arming asks storage only when the memo does not know, never pushes the alarm later,
// starts from storage when it does not know (as after a restart), and a read that a
// concurrent write overtook does not overwrite what the write set.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createAlarmMemo } from "../../objects/durable/index.ts";

/** A coordinator object that holds no run (its own alarm is never set). */
const emptyObject = () => env.RUNS.get(env.RUNS.idFromName(`alarm-memo-${crypto.randomUUID()}`));

describe("alarm memo", () => {
  it("arms the earliest time, never later than the alarm is, reading storage only when it does not know", async () => {
    const result = await runInDurableObject(emptyObject(), async (_instance, state) => {
      const storage = state.storage;
      let reads = 0;
      const counted = new Proxy(storage, {
        get: (target, name) => (name === "getAlarm" ? () => (reads++, target.getAlarm()) : (Reflect.get(target, name) as unknown as Function).bind(target)),
      });
      const base = Date.now() + 600_000;
      const memo = createAlarmMemo(counted, { none: true });
      await memo.arm([base + 2_000, null, base + 1_000]);
      await memo.arm([base + 5_000]); // later: left where it is
      const afterLater = await storage.getAlarm();
      await memo.arm([base]); // earlier: moved
      const readsKnown = reads;
      // As after a restart: the memo does not know, and reads the alarm once.
      const fresh = createAlarmMemo(counted);
      await fresh.arm([base + 9_000]);
      await fresh.arm([base + 8_000]);
      const kept = await storage.getAlarm();
      await storage.deleteAlarm();
      return { afterLater: afterLater! - base, readsKnown, readsFresh: reads - readsKnown, kept: kept! - base };
    });
    expect(result).toEqual({ afterLater: 1_000, readsKnown: 0, readsFresh: 1, kept: 0 });
  });

  it("keeps a write that overtook a read under way, so the alarm is never pushed later", async () => {
    const result = await runInDurableObject(emptyObject(), async (_instance, state) => {
      const storage = state.storage;
      const base = Date.now() + 600_000;
      await storage.setAlarm(base + 10_000);
      const memo = createAlarmMemo(storage);
      // Both start before either has read the alarm: the later time's read (10 s) resolves after the earlier time was set.
      await Promise.all([memo.arm([base + 1_000]), memo.arm([base + 5_000])]);
      await memo.arm([base + 3_000]);
      const alarm = await storage.getAlarm();
      const known = await memo.current();
      await storage.deleteAlarm();
      return { alarm: alarm! - base, known: known! - base };
    });
    expect(result).toEqual({ alarm: 1_000, known: 1_000 });
  });
});
